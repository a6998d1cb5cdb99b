"""Load a TOML config into `KioskConfig`, with errors that name the file, the line, the
field path, the bad value and what was expected.

Sources, later ones winning:
1. the file (a device config, or a fleet file plus a device id: see `config.fleet`);
2. environment overrides `KIOSK_<SECTION>__<KEY>=value` (e.g. `KIOSK_API__URL`,
   `KIOSK_CAMERA__SOURCE`); a value starting with `[` is read as a TOML array.

`KIOSK_CONFIG_FILE` names the file when a command gets no `--config`; `KIOSK_FLEET_DEVICE`
picks the device when that file is a fleet file. Relative paths in a file resolve against
the file's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from config.fleet import (
    DEVICE_ENV,
    FleetError,
    device_data,
    device_ids,
    device_overrides,
    is_fleet,
    merge,
)
from config.schema import KioskConfig
from config.validation import ValidationError, validate

ENV_PREFIX = "KIOSK_"
CONFIG_FILE_ENV = "KIOSK_CONFIG_FILE"

_EXPECTED = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": 'expected a quoted string, e.g. "text"',
    "list_type": 'expected a list, e.g. ["a", "b"]',
    "model_type": "expected a table (a [section])",
    "dict_type": "expected a table (a [section])",
    "path_type": 'expected a file path string, e.g. "/var/lib/furusato-kiosk/kiosk.db"',
}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    value: str | None = None
    line: int | None = None
    source: str | None = None  # e.g. "environment KIOSK_API__URL" when not from the file


class ConfigError(ValueError):
    """Invalid configuration. `str()` is a complete, human-readable report."""

    def __init__(self, file: Path | None, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.report())

    def report(self) -> str:
        where = str(self.file) if self.file else "configuration"
        lines = []
        for p in self.problems:
            loc = p.source or (f"{where}:{p.line}" if p.line else where)
            value = f" (got {p.value})" if p.value is not None else ""
            lines.append(f"{loc}: {p.path}: {p.message}{value}")
        return "\n".join(lines)


# -- locating keys in the text ----------------------------------------------------------------

_KEY_PART = r'(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_DOTTED = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*")


def _split_key(text: str) -> list[str]:
    parts = re.findall(_KEY_PART, text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Best-effort map from a key path (tables and keys) to the line that defines it."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            in_multiline = raw.count('"""') % 2 == 0 and raw.count("'''") % 2 == 0
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = re.match(r"^\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            table = tuple(_split_key(header.group(1)))
            lines.setdefault(table, number)
            continue
        match = _DOTTED.match(line)
        if match and line[match.end() :].startswith("="):
            path = table + tuple(_split_key(match.group(1)))
            lines.setdefault(path, number)
            value = line[match.end() + 1 :].strip()
            if value.startswith("{"):  # inline table: its keys live on this line
                for inner in re.finditer(rf"({_KEY_PART})\s*=", value):
                    lines.setdefault(path + tuple(_split_key(inner.group(1))), number)
            if value.count('"""') == 1 or value.count("'''") == 1:
                in_multiline = True
    return lines


def _line_of(lines: Mapping[tuple[str, ...], int], *candidates: tuple[str, ...]) -> int | None:
    """The line of the first candidate path defined in the text; failing that, of the
    nearest enclosing table or key of a candidate (tried in order)."""
    for path in candidates:
        if path in lines:
            return lines[path]
    for path in candidates:
        for end in range(len(path) - 1, 0, -1):
            if path[:end] in lines:
                return lines[path[:end]]
    return None


# -- environment overrides --------------------------------------------------------------------


def _env_value(value: str) -> Any:
    if value.lstrip().startswith("["):
        try:
            return tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            return value
    return value


def env_overrides(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """KIOSK_DEVICE__NAME=... sets device.name (double underscore separates levels).

    Returns the overrides and, for error messages, which variable set each path."""
    overrides: dict[str, Any] = {}
    origins: dict[tuple[str, ...], str] = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV or "__" not in name:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        if not all(path):
            continue
        node = overrides
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[path[-1]] = _env_value(environ[name])
            origins[tuple(path)] = name
    return overrides, origins


# -- validation -------------------------------------------------------------------------------


def _message(error: Mapping[str, Any]) -> str:
    """A message that says what was expected, in the file's terms (not the validator's)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    fixed = {
        "extra_forbidden": "unknown key (check the spelling; see config/examples/ and"
        " docs/operations.md)",
        "missing": "required key is missing",
        "url_parsing": 'expected a URL such as "https://api.example.org"',
        "url_scheme": 'expected a URL starting with "https://"',
        "url_type": 'expected a URL string such as "https://api.example.org"',
    }
    if kind in fixed:
        return fixed[kind]
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    bounds = {
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {ctx.get(key)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty" if least == 1 else f"needs at least {least} characters"
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return (
            "may contain only letters, digits, '.', '_' and '-', starting with a letter or"
            f" digit (pattern {ctx.get('pattern')})"
        )
    return str(error["msg"])


def _env_source(loc: tuple[str, ...], overrides: Mapping[tuple[str, ...], str]) -> str | None:
    """The environment variable that set `loc` (or a key below it), if any."""
    for depth in range(len(loc), 0, -1):
        if loc[:depth] in overrides:
            return f"environment {overrides[loc[:depth]]}"
    below = [name for path, name in overrides.items() if path[: len(loc)] == loc]
    return f"environment {below[0]}" if below else None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_config(
    data: Mapping[str, Any],
    *,
    file: Path | None = None,
    text: str = "",
    overrides: Mapping[tuple[str, ...], str] | None = None,
    device_prefix: tuple[str, ...] | None = None,
) -> KioskConfig:
    """Validate a dict. `device_prefix` places a fleet device's values in the file's text;
    `overrides` names the environment variables that set a path."""
    try:
        return validate(KioskConfig, data)
    except ValidationError as exc:
        lines = key_lines(text) if text else {}
        problems = []
        for error in exc.errors:
            loc = tuple(str(p) for p in error["loc"])
            # errors of a section's cross_check are reported at the section itself
            dotted = ".".join(loc)
            value = None if error["type"] == "missing" else _shown(error.get("input"))
            if isinstance(error.get("input"), Mapping):
                value = None
            source = _env_source(loc, overrides or {})
            candidates = [loc]
            if device_prefix is not None:
                candidates = [device_prefix + loc, loc]
                if loc and loc[0] == "device":
                    candidates.insert(0, device_prefix + loc[1:])
            line = None if source else _line_of(lines, *candidates)
            problems.append(Problem(dotted, _message(error), value, line, source))
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise ConfigError(file, problems) from None


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, [Problem("(file)", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [Problem("(file)", f"cannot read: {exc}")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            path,
            [
                Problem(
                    "(syntax)",
                    f"not valid TOML: {exc}",
                    None,
                    int(line.group(1)) if line else None,
                )
            ],
        ) from None


def load_config(
    path: Path,
    *,
    device_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> KioskConfig:
    """Read and validate a device config file, or one device of a fleet file.

    For a fleet file the device is `device_id`, else `$KIOSK_FLEET_DEVICE`."""
    env = os.environ if environ is None else environ
    text, data = _read(path)
    overrides, origins = env_overrides(env)
    device_prefix: tuple[str, ...] | None = None
    own: dict[str, Any] = {}
    if is_fleet(data):
        chosen = device_id or env.get(DEVICE_ENV)
        try:
            ids = device_ids(data)
            if not chosen:
                raise FleetError(
                    "devices",
                    f"this is a fleet file: name the device with --device ID or {DEVICE_ENV}"
                    f" (devices: {', '.join(ids)})",
                )
            own = device_overrides(data, chosen)
            data = device_data(data, chosen)
        except FleetError as exc:
            line = _line_of(key_lines(text), tuple(_split_key(exc.path)))
            raise ConfigError(path, [Problem(exc.path, exc.message, None, line)]) from None
        device_prefix = ("devices", chosen)
    elif device_id is not None:
        actual = data.get("device", {}).get("id") if isinstance(data.get("device"), dict) else None
        if actual != device_id:
            raise ConfigError(
                path,
                [Problem("device.id", f"this file is for device {actual!r}, not {device_id!r}")],
            )
    data = merge(data, overrides)
    try:
        config = parse_config(
            data, file=path, text=text, overrides=origins, device_prefix=device_prefix
        )
    except ConfigError as exc:
        if device_prefix is None:
            raise
        named = [_name_device(p, own, device_prefix[1]) for p in exc.problems]
        raise ConfigError(path, named) from None
    return _resolve_paths(config, path.parent)


def _name_device(problem: Problem, own: Mapping[str, Any], device: str) -> Problem:
    """Prefix a fleet problem with its device table when the device set that value."""
    node: Any = own
    for part in problem.path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return problem
        node = node[part]
    return Problem(
        f'devices."{device}".{problem.path}',
        problem.message,
        problem.value,
        problem.line,
        problem.source,
    )


def load_fleet(path: Path, *, environ: Mapping[str, str] | None = None) -> dict[str, KioskConfig]:
    """Every device of a fleet file, validated; all devices' problems in one ConfigError."""
    _, data = _read(path)
    if not is_fleet(data):
        config = load_config(path, environ=environ)
        return {config.device.id: config}
    try:
        ids = device_ids(data)
    except FleetError as exc:
        raise ConfigError(path, [Problem(exc.path, exc.message)]) from None
    configs: dict[str, KioskConfig] = {}
    problems: list[Problem] = []
    for device in ids:
        try:
            configs[device] = load_config(path, device_id=device, environ=environ)
        except ConfigError as exc:
            problems.extend(exc.problems)  # shared-default problems repeat: kept once below
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ConfigError(path, unique)
    return configs


def _resolve_paths(config: KioskConfig, base: Path) -> KioskConfig:
    def fix(p: Path) -> Path:
        p = p.expanduser()
        return p if p.is_absolute() else (base / p).resolve()

    device = replace(config.device, database=fix(config.device.database))
    revocations, anchor = config.trust.revocations_file, config.trust.anchor_file
    trust = replace(
        config.trust,
        jwks_file=fix(config.trust.jwks_file),
        revocations_file=None if revocations is None else fix(revocations),
        anchor_file=None if anchor is None else fix(anchor),
    )
    directory = config.logging.directory
    logging = replace(config.logging, directory=None if directory is None else fix(directory))
    return replace(config, device=device, trust=trust, logging=logging)
