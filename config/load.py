"""Load a TOML config into `KioskConfig`, with errors that name the file, the line, the
field path, the bad value and what was expected."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.schema import KioskConfig

ENV_PREFIX = "KIOSK_"
CONFIG_FILE_ENV = "KIOSK_CONFIG_FILE"


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    value: str | None = None
    line: int | None = None


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
            loc = f"{where}:{p.line}" if p.line else where
            value = f" (got {p.value})" if p.value is not None else ""
            lines.append(f"{loc}: {p.path}: {p.message}{value}")
        return "\n".join(lines)


def _find_line(text: str, dotted: str) -> int | None:
    """Best-effort line of a key: the last path element inside its [section]."""
    parts = dotted.split(".")
    section, key = ".".join(parts[:-1]), parts[-1]
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1)
            if current == dotted:
                return number
            continue
        if current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return None


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """KIOSK_DEVICE__NAME=... sets device.name (double underscore separates levels)."""
    overrides: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV or "__" not in name:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = overrides
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return overrides


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_config(
    data: Mapping[str, Any], *, file: Path | None = None, text: str = ""
) -> KioskConfig:
    try:
        return KioskConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            dotted = ".".join(str(p) for p in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key (check the spelling; see config/examples/)"
            elif error["type"] == "missing":
                message = "required key is missing"
            value = None if error["type"] == "missing" else repr(error.get("input"))
            if value is not None and len(value) > 60:
                value = value[:57] + "..."
            problems.append(Problem(dotted, message, value, _find_line(text, dotted)))
        raise ConfigError(file, problems) from None


def load_config(path: Path, *, environ: Mapping[str, str] | None = None) -> KioskConfig:
    """Read and validate a config file; relative paths in it resolve against its folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [Problem("(file)", f"cannot read: {exc}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            path, [Problem("(syntax)", f"not valid TOML: {exc}", None,
                           int(line.group(1)) if line else None)]
        ) from None
    data = _merge(data, _env_overrides(os.environ if environ is None else environ))
    config = parse_config(data, file=path, text=text)
    return _resolve_paths(config, path.parent)


def _resolve_paths(config: KioskConfig, base: Path) -> KioskConfig:
    def fix(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else (base / p).resolve())

    device = config.device.model_copy(update={"database": fix(config.device.database)})
    trust = config.trust.model_copy(
        update={
            "jwks_file": fix(config.trust.jwks_file),
            "revocations_file": fix(config.trust.revocations_file),
        }
    )
    return config.model_copy(update={"device": device, "trust": trust})
