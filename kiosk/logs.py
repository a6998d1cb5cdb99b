"""Structured, rotated, redacted logs.

Location (`logging.directory` in the config wins):
- running as root (the Raspberry Pi service): `/var/log/furusato-kiosk/kiosk.log`
- otherwise: `$XDG_STATE_HOME/furusato-kiosk/log/kiosk.log` (default
  `~/.local/state/furusato-kiosk/log/kiosk.log`)

Each line is one JSON object: `ts` (UTC ISO 8601), `level`, `logger`, `msg`, optional
`device`, `exc` and any `extra={...}` fields. Files rotate at `logging.max_bytes`, keeping
`logging.backups` old files, mode 0640 in a 0750 folder (a folder or file an older version
left wider is narrowed when this process owns it).

The handler sits on the root logger, so every record goes through the same formatter and
filter: the kiosk's own (`kiosk`, `screens`, `sync`, `cli`, at `logging.level`) and those of
libraries (httpx, httpcore, uvicorn, asyncio..., at WARNING or the configured level when that is
higher). Nothing is printed to the terminal the kiosk draws on.

Nothing personal or secret reaches a log line: `RedactingFilter` strips control and escape
characters, masks registrant ids (`FR` + 10 characters -> `FR7K3M****PD`), and replaces bearer
tokens, enrollment/device tokens, JWS passes and `pin=`/`token=`/`password=` values with
`[redacted]`. It runs on the formatted message, on extra fields and on exception text.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.schema import KioskConfig
from kiosk.text import strip_unsafe

PACKAGE_LOGGERS = ("kiosk", "screens", "sync", "cli")
"""The kiosk's own loggers: they log at the configured level."""
LIBRARY_LEVEL = logging.WARNING
"""Other libraries' records reach the file from this level up (httpx logs every request at
INFO; the kiosk's own sync logs say what matters)."""
HANDLER_NAME = "furusato-kiosk-file"
LOG_FILE = "kiosk.log"
ROOT_LOG_DIR = Path("/var/log/furusato-kiosk")

_REGISTRANT = re.compile(r"FR([0-9A-Z]{4})([0-9A-Z]{4})([0-9A-Z]{2})(?![0-9A-Za-z])")
_SECRETS = (
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\b(?:fke|fkd|fkt)_[A-Za-z0-9_-]{8,}"),  # enrollment / device tokens
    re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"),  # JWS / JWT
    re.compile(r"\bscrypt\$[^\s\"']+"),  # a PIN hash
    re.compile(
        r"(?i)\b(pin|password|passwd|secret|token|device_token|enrollment_token|authorization)"
        r"(\"?\s*[:=]\s*\"?)[^\s,\"'}&]+"
    ),
)
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """Log-safe text: no control/escape characters, masked registrant ids, no secrets."""
    text = strip_unsafe(text, keep_newlines=True)
    text = _REGISTRANT.sub(lambda m: f"FR{m.group(1)}****{m.group(3)}", text)
    for pattern in _SECRETS[:-1]:
        text = pattern.sub("[redacted]", text)
    return _SECRETS[-1].sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {redact(str(k)): _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Rewrites each record in place so every handler only ever sees redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _RESERVED:
                setattr(record, key, _redact_value(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (UTF-8, Japanese kept readable)."""

    def __init__(self, device: str | None = None) -> None:
        super().__init__()
        self.device = device

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if self.device:
            entry["device"] = self.device
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def default_log_directory(environ: Mapping[str, str] | None = None) -> Path:
    """`/var/log/furusato-kiosk` for root, else the XDG state folder."""
    env = os.environ if environ is None else environ
    if os.geteuid() == 0:
        return ROOT_LOG_DIR
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "furusato-kiosk" / "log"


FILE_MODE = 0o640
FOLDER_MODE = 0o750


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotating handler whose files are mode 0640 (a wider file this process owns is narrowed);
    as root (provisioning, purge), a new file takes the owner of its folder so the kiosk user
    can still append to it."""

    root_level_before = logging.WARNING  # restored by `stop_logging`

    def _open(self) -> Any:
        existed = os.path.exists(self.baseFilename)
        fd = os.open(self.baseFilename, os.O_CREAT | os.O_APPEND | os.O_WRONLY, FILE_MODE)
        try:
            info = os.fstat(fd)
            if info.st_uid == os.geteuid() and info.st_mode & 0o7777 != FILE_MODE:
                os.fchmod(fd, FILE_MODE)
            if not existed and os.geteuid() == 0:
                folder = os.stat(os.path.dirname(self.baseFilename))
                if folder.st_uid != 0:
                    os.fchown(fd, folder.st_uid, folder.st_gid)
        finally:
            os.close(fd)
        return super()._open()


def _private_folder(folder: Path) -> None:
    """The log folder, 0750: created so, or narrowed when this process owns it."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    info = folder.stat()
    if info.st_uid == os.geteuid() and info.st_mode & 0o7777 != FOLDER_MODE:
        folder.chmod(FOLDER_MODE)


def setup_logging(
    directory: Path | None = None,
    *,
    level: str = "INFO",
    max_bytes: int = 5 * 1024 * 1024,
    backups: int = 5,
    device: str | None = None,
    loggers: Sequence[str] = PACKAGE_LOGGERS,
) -> Path:
    """Attach the redacted JSON-lines file handler to the root logger; `loggers` (the kiosk's
    own) log at `level`, every other library at `LIBRARY_LEVEL` or `level` if higher. Returns
    the file.

    Idempotent: a second call replaces the handler it installed before."""
    folder = directory or default_log_directory()
    _private_folder(folder)
    path = folder / LOG_FILE
    handler = _PrivateRotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    handler.setFormatter(JsonFormatter(device))
    handler.addFilter(RedactingFilter())
    handler.set_name(HANDLER_NAME)
    stop_logging()
    root = logging.getLogger()
    handler.root_level_before = root.level
    root.addHandler(handler)
    root.setLevel(max(LIBRARY_LEVEL, logging.getLevelName(level)))
    for name in loggers:
        logging.getLogger(name).setLevel(level)
    return path


def stop_logging() -> None:
    """Detach and close the file handler `setup_logging` attached (no-op when none is)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == HANDLER_NAME:
            root.removeHandler(old)
            old.close()
            if isinstance(old, _PrivateRotatingFileHandler):
                root.setLevel(old.root_level_before)


def setup_from_config(config: KioskConfig) -> Path:
    """`setup_logging` with a `KioskConfig`'s [logging] section and device id."""
    section = config.logging
    return setup_logging(
        section.directory,
        level=section.level,
        max_bytes=section.max_bytes,
        backups=section.backups,
        device=config.device.id,
    )
