"""Structured, rotated logs without personal data or secrets (kiosk.logs)."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.load import parse_config
from kiosk.logs import (
    HANDLER_NAME,
    LOG_FILE,
    default_log_directory,
    redact,
    setup_from_config,
    setup_logging,
    stop_logging,
)

REGISTRANT = "FR7K3M9Q2XPD"
BEARER = "fkd_Zq9sT3cr3tD3v1c3T0k3nValue"
ENROLL = "fke_0neT1meEnr0llmentT0ken123"
PASS = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJGUjdLM005UTJYUEQifQ.c2lnbmF0dXJlLWJ5dGVz"


@pytest.fixture
def logger(tmp_path: Path) -> Iterator[tuple[logging.Logger, Path]]:
    path = setup_logging(tmp_path / "log", device="kiosk-test-01", loggers=("kiosk.test",))
    log = logging.getLogger("kiosk.test")
    yield log, path
    stop_logging()


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_json_lines_with_device_and_extra_fields(logger: tuple[logging.Logger, Path]) -> None:
    log, path = logger
    log.info("upload %s items", 3, extra={"batch": 3, "online": True})
    (entry,) = lines(path)
    assert entry["msg"] == "upload 3 items"
    assert entry["level"] == "INFO"
    assert entry["device"] == "kiosk-test-01"
    assert entry["batch"] == 3
    assert entry["online"] is True
    assert str(entry["ts"]).endswith("+00:00")


def test_no_personal_data_or_secrets_reach_the_file(logger: tuple[logging.Logger, Path]) -> None:
    log, path = logger
    log.warning("scan of %s rejected", REGISTRANT)
    log.info("request", extra={"headers": {"Authorization": f"Bearer {BEARER}"}})
    log.info("sent Authorization: Bearer %s", BEARER)
    log.info("enrolling with token=%s and pin=482913", ENROLL)
    log.info("pass %s", PASS)
    log.info('payload {"device_token": "%s"}', BEARER)
    log.info("hash scrypt$16384$8$1$c2FsdA==$ZGlnZXN0")
    log.info("evil \x1b[2J\x1b]0;title\x07name\x00 with\u202eoverride")
    try:
        raise ValueError(f"boom for {REGISTRANT} with {BEARER}")
    except ValueError:
        log.exception("failed")
    text = path.read_text(encoding="utf-8")
    for secret in (REGISTRANT, BEARER, ENROLL, PASS, "482913", "ZGlnZXN0", "\x1b", "\u202e"):
        assert secret not in text, secret
    assert "FR7K3M****PD" in text
    assert "[redacted]" in text
    assert all(isinstance(entry, dict) for entry in lines(path))  # still valid JSON lines
    exc = lines(path)[-1]
    assert "ValueError" in str(exc["exc"])
    assert "FR7K3M****PD" in str(exc["exc"])


def test_redact_is_idempotent_and_keeps_ordinary_text() -> None:
    text = "accepted 受付 FR7K3M9Q2XPD at gate 1"
    once = redact(text)
    assert once == "accepted 受付 FR7K3M****PD at gate 1"
    assert redact(once) == once


def test_rotation_and_permissions(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "log", max_bytes=2048, backups=2, loggers=("kiosk.rot",))
    log = logging.getLogger("kiosk.rot")
    try:
        for i in range(200):
            log.info("line %d %s", i, "x" * 50)
    finally:
        stop_logging()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == [LOG_FILE, f"{LOG_FILE}.1", f"{LOG_FILE}.2"]
    assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o007 == 0


def test_setup_is_idempotent(tmp_path: Path) -> None:
    for _ in range(3):
        setup_logging(tmp_path, loggers=("kiosk.idem",))
    root = logging.getLogger()
    try:
        assert [h.get_name() for h in root.handlers].count(HANDLER_NAME) == 1
    finally:
        stop_logging()
    assert HANDLER_NAME not in [h.get_name() for h in root.handlers]


def test_documented_locations(tmp_path: Path) -> None:
    default = default_log_directory({"XDG_STATE_HOME": str(tmp_path)})
    assert default in (Path("/var/log/furusato-kiosk"), tmp_path / "furusato-kiosk" / "log")
    config = parse_config(
        {
            "device": {"id": "d1", "name": "n", "municipality": "131016", "database": "k.db"},
            "trust": {"jwks_file": "j.json"},
            "logging": {"directory": str(tmp_path / "cfg-log"), "level": "WARNING"},
        }
    )
    path = setup_from_config(config)
    log = logging.getLogger("kiosk")
    try:
        assert path == tmp_path / "cfg-log" / LOG_FILE
        assert log.level == logging.WARNING
    finally:
        stop_logging()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: files written as root change owner")
def test_as_root_a_new_log_file_takes_the_folder_owner(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir()
    os.chown(folder, 12345, 12345)  # the kiosk user of an installed Pi
    path = setup_logging(folder, loggers=("kiosk.owner",))
    log = logging.getLogger("kiosk.owner")
    try:
        log.info("provisioned")
    finally:
        stop_logging()
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 12345)


def test_library_records_share_the_format_and_the_filter(tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "log", device="kiosk-test-01")
    try:
        logging.getLogger("httpx").info("HTTP Request: GET /v1/health")  # below WARNING: not kept
        logging.getLogger("httpx").warning("retry with Authorization: Bearer %s", BEARER)
        logging.getLogger("uvicorn.error").error("bad request from %s\x1b[2J", REGISTRANT)
        logging.getLogger("kiosk.sync").info("kept: our own INFO")
    finally:
        stop_logging()
    entries = lines(path)
    assert [(e["logger"], e["level"]) for e in entries] == [
        ("httpx", "WARNING"),
        ("uvicorn.error", "ERROR"),
        ("kiosk.sync", "INFO"),
    ]
    text = path.read_text(encoding="utf-8")
    for leaked in (BEARER, REGISTRANT, "\x1b"):
        assert leaked not in text
    assert all(e["device"] == "kiosk-test-01" for e in entries)


def test_wider_folder_and_file_left_by_an_older_version_are_narrowed(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / LOG_FILE).write_text("")
    (folder / LOG_FILE).chmod(0o644)
    path = setup_logging(folder)
    stop_logging()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
