"""Fleet files: one TOML for many kiosks.

The top level holds the shared defaults, in the same sections as a device config (§6); each
`[devices."<id>"]` table overrides them for one device. Inside a device table, plain keys are
`[device]` keys (name, municipality, organisation, database) and sub-tables override whole
sections key by key:

    [device]
    municipality = "131016"
    database = "/var/lib/furusato-kiosk/kiosk.db"
    [trust]
    jwks_file = "/etc/furusato-kiosk/jwks.json"

    [devices."gate-1"]
    name = "Gate 1"
    [devices."gate-2"]
    name = "Gate 2"
    camera = { source = "/dev/video2" }

`device.id` comes from the table name, never from the defaults. Everything here works on plain
dicts; `config.load` validates the result and reports errors with file and line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from config.schema import DeviceSection, KioskConfig

FLEET_KEY = "devices"
DEVICE_ENV = "KIOSK_FLEET_DEVICE"  # picks the device when a fleet file is used directly
_DEVICE_KEYS = frozenset(f.name for f in dataclasses.fields(DeviceSection)) - {"id"}


class FleetError(ValueError):
    """A structural problem of a fleet file: (dotted path, message)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


def is_fleet(data: Mapping[str, Any]) -> bool:
    return FLEET_KEY in data


def device_ids(data: Mapping[str, Any]) -> list[str]:
    devices = data.get(FLEET_KEY)
    if not isinstance(devices, Mapping) or not devices:
        raise FleetError(FLEET_KEY, 'a fleet file needs at least one [devices."<id>"] table')
    return list(devices)


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key, any other value replaces."""
    merged = dict(base)
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def device_overrides(data: Mapping[str, Any], device_id: str) -> dict[str, Any]:
    """One device's overrides, normalised to device-config shape (plain keys -> [device])."""
    ids = device_ids(data)
    if device_id not in ids:
        raise FleetError(
            f'{FLEET_KEY}."{device_id}"',
            f"no such device in this fleet file (devices: {', '.join(ids)})",
        )
    raw = data[FLEET_KEY][device_id]
    if not isinstance(raw, Mapping):
        raise FleetError(f'{FLEET_KEY}."{device_id}"', "must be a table")
    overrides: dict[str, Any] = {}
    device: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, Mapping):
            overrides[key] = dict(value)
        elif key == "id":
            raise FleetError(
                f'{FLEET_KEY}."{device_id}".id', "the device id is the table name; remove this key"
            )
        elif key in _DEVICE_KEYS:
            device[key] = value
        else:
            overrides[key] = value  # validated later: reported as an unknown key
    if device:
        overrides["device"] = merge(overrides.get("device", {}), device)
    return overrides


def device_data(data: Mapping[str, Any], device_id: str) -> dict[str, Any]:
    """The merged device config (as a dict) of one fleet device."""
    defaults = {k: v for k, v in data.items() if k != FLEET_KEY}
    shared_device = defaults.get("device")
    if isinstance(shared_device, Mapping) and "id" in shared_device:
        raise FleetError("device.id", 'in a fleet file the id is the [devices."<id>"] table name')
    merged = merge(defaults, device_overrides(data, device_id))
    device = merged.get("device")
    merged["device"] = {**(device if isinstance(device, Mapping) else {}), "id": device_id}
    return merged


# -- writing a device config ------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(value: str) -> str:
    out = ['"']
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_string(str(value))


def _is_default(field: dataclasses.Field[Any], value: Any) -> bool:
    """Whether `value` is the field's default (a required field has none)."""
    if field.default is not dataclasses.MISSING:
        return bool(value == field.default)
    if field.default_factory is not dataclasses.MISSING:
        return bool(value == field.default_factory())
    return False


def _json(value: Any) -> Any:
    """A value as plain TOML/JSON data: paths become strings."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def dump_toml(config: KioskConfig) -> str:
    """A device config file equivalent to `config`: required keys plus every value that
    differs from its default; loadable with `config.load.load_config`."""
    lines = [f"# furusato-kiosk device config for {config.device.id} (generated)"]
    for name in (f.name for f in dataclasses.fields(KioskConfig)):
        section = getattr(config, name)
        if section is None:
            continue  # an absent optional section ([activity], [api])
        values = {
            f.name: _json(value)
            for f in dataclasses.fields(section)
            if (value := getattr(section, f.name)) is not None and not _is_default(f, value)
        }
        if not values:
            continue
        lines.append("")
        lines.append(f"[{_toml_key(name)}]")
        lines.extend(f"{_toml_key(key)} = {_toml_value(value)}" for key, value in values.items())
    return "\n".join(lines) + "\n"
