"""Every config field has a bad value with an expected, readable message (issue 8)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, get_args, get_type_hints

import pytest

from config.load import ConfigError, parse_config
from config.schema import KioskConfig

VALID: dict[str, Any] = {
    "device": {
        "id": "kiosk-festival-01",
        "name": "Gate 1",
        "municipality": "131016",
        "database": "/var/lib/furusato-kiosk/kiosk.db",
    },
    "trust": {"jwks_file": "/etc/furusato-kiosk/jwks.json"},
    "activity": {"id": "act-1", "name": "Beach clean-up"},
    "api": {"url": "https://api.example.invalid"},
}

MISSING = object()

# (dotted path, bad value, expected fragment of the message)
TABLE: list[tuple[str, Any, str]] = [
    ("device.id", "", "must not be empty"),
    ("device.id", "gate 1!", "may contain only letters, digits"),
    ("device.id", "x" * 65, "at most 64 characters"),
    ("device.id", MISSING, "required key is missing"),
    ("device.name", "", "must not be empty"),
    ("device.name", "n" * 65, "at most 64 characters"),
    ("device.municipality", "131017", "check digit should be 6"),
    ("device.municipality", "13101", "6-digit local government code"),
    ("device.municipality", "abcdef", "6-digit local government code"),
    ("device.municipality", 131016, "expected a quoted string"),
    ("device.organisation", "o" * 129, "at most 128 characters"),
    ("device.database", 5, "expected a file path string"),
    ("device.database", MISSING, "required key is missing"),
    ("trust.jwks_file", MISSING, "required key is missing"),
    ("trust.revocations_file", 3, "expected a file path string"),
    ("trust.clock_skew_seconds", -1, "must be at least 0"),
    ("trust.clock_skew_seconds", 90000, "must be at most 86400"),
    ("trust.anchor_file", 7, "expected a file path string"),
    ("trust.anchor_thumbprint", "abc", "43 base64url characters"),
    ("trust.anchor_thumbprint", "0f" * 32, "looks like a hex digest"),
    ("trust.anchor_thumbprint", 43, "expected a quoted string"),
    ("activity.id", "", "must not be empty"),
    ("activity.name", "", "must not be empty"),
    ("activity.venue", 5, "expected a quoted string"),
    ("activity.organiser", ["x"], "expected a quoted string"),
    ("api.url", "not a url", "expected a URL such as"),
    ("api.url", "ftp://api.example.org", "expected a URL starting with"),
    ("api.url", "http://api.example.org", "must use https://"),
    ("api.timeout_seconds", 0, "must be more than 0"),
    ("api.batch_size", 0, "must be at least 1"),
    ("api.batch_size", 501, "must be at most 500"),
    ("api.batch_size", "many", "expected a whole number"),
    ("api.sync_interval_seconds", 0.5, "must be at least 1"),
    ("api.pull_interval_seconds", 5, "must be at least 10"),
    ("api.retry_max_seconds", 0, "must be at least 1"),
    ("camera.source", "", "must not be empty"),
    ("camera.width", 100, "must be at least 160"),
    ("camera.height", 5000, "must be at most 4096"),
    ("camera.fps", 0, "must be at least 1"),
    ("camera.fps", "fast", "expected a whole number"),
    ("camera.backend", "dshow", "must be one of 'any', 'v4l2', 'gstreamer' or 'ffmpeg'"),
    ("camera.read_timeout_seconds", 0, "must be more than 0"),
    ("decoder.backend", "zbar", "must be one of 'zxing' or 'pyzbar'"),
    ("decoder.rearm_seconds", 0.1, "must be at least 0.2"),
    ("decoder.downscale_width", -1, "must be at least 0"),
    ("decoder.cascade_budget_ms", 2000, "must be at most 1000"),
    ("storage.synchronous", "OFF", "must be one of 'FULL', 'EXTRA' or 'NORMAL'"),
    ("storage.min_free_mb", -1, "must be at least 0"),
    ("ui.language", "fr", "must be one of 'ja' or 'en'"),
    ("ui.banner_seconds", 0.1, "must be at least 0.5"),
    ("ui.sound", "loud", "must be one of 'bell', 'command' or 'off'"),
    ("ui.sound_command", "aplay", "expected a list"),
    ("ui.sound_command", [""], "the first element must be a program"),
    ("ui.undo_window_seconds", -1, "must be at least 0"),
    ("ui.undo_window_seconds", 7200, "must be at most 3600"),
    ("coordinator.pin_min_length", 3, "must be at least 4"),
    ("coordinator.max_failures", 0, "must be at least 1"),
    ("coordinator.lockout_seconds", 0, "must be at least 1"),
    ("coordinator.lockout_max_seconds", 0, "must be at least 1"),
    ("retention.personal_data_days", -1, "must be at least 0"),
    ("retention.personal_data_days", "thirty", "expected a whole number"),
    ("logging.directory", 5, "expected a file path string"),
    ("logging.level", "TRACE", "must be one of 'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
    ("logging.max_bytes", 10, "must be at least 65536"),
    ("logging.backups", 0, "must be at least 1"),
    ("doctor.camera_timeout_seconds", 0, "must be more than 0"),
    ("doctor.api_timeout_seconds", 100, "must be at most 60"),
    ("doctor.max_clock_offset_seconds", 0, "must be at least 1"),
    ("doctor.min_columns", 5, "must be at least 20"),
    ("doctor.min_rows", 5, "must be at least 10"),
]


def with_value(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    *sections, key = path.split(".")
    node = data
    for name in sections:
        node = node.setdefault(name, {})
    if value is MISSING:
        node.pop(key, None)
    else:
        node[key] = value
    return data


def test_the_base_config_is_valid() -> None:
    config = parse_config(VALID)
    assert config.device.id == "kiosk-festival-01"


@pytest.mark.parametrize(("path", "value", "expected"), TABLE)
def test_bad_value_has_a_precise_message(path: str, value: Any, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_value(path, value))
    problems = [p for p in caught.value.problems if p.path == path]
    assert problems, caught.value.report()
    assert expected in problems[0].message, problems[0].message
    report = caught.value.report()
    assert path in report
    if value is not MISSING:
        assert repr(value)[:40] in report  # the bad value is shown


def test_every_field_of_the_schema_is_in_the_table() -> None:
    covered = {path for path, _, _ in TABLE}
    fields = set()
    hints = get_type_hints(KioskConfig)
    for field in dataclasses.fields(KioskConfig):
        section = hints[field.name]
        model = next((a for a in get_args(section) or (section,) if isinstance(a, type)), None)
        assert model is not None, field.name
        assert dataclasses.is_dataclass(model), field.name
        fields |= {f"{field.name}.{f.name}" for f in dataclasses.fields(model)}
    assert fields - covered == set()


@pytest.mark.parametrize(
    ("section", "values", "expected"),
    [
        ("ui", {"sound": "command"}, "needs sound_command"),
        (
            "coordinator",
            {"lockout_seconds": 60, "lockout_max_seconds": 30},
            "lockout_max_seconds must be >= lockout_seconds",
        ),
        (
            "trust",
            {"jwks_file": "j.json", "anchor_file": "a.json", "anchor_thumbprint": "A" * 43},
            "give anchor_file or anchor_thumbprint, not both",
        ),
    ],
)
def test_section_rules(section: str, values: dict[str, Any], expected: str) -> None:
    data = copy.deepcopy(VALID)
    data[section] = values
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert caught.value.problems[0].path == section
    assert expected in caught.value.problems[0].message


def test_unknown_section_and_key_are_named() -> None:
    data = copy.deepcopy(VALID)
    data["camra"] = {"source": "0"}
    data["device"]["colour"] = "red"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    paths = {p.path: p.message for p in caught.value.problems}
    assert "unknown key" in paths["camra"]
    assert "unknown key" in paths["device.colour"]


def test_plain_http_is_allowed_for_a_local_reference_server() -> None:
    for url in ("http://127.0.0.1:8000", "http://localhost:8765/"):
        assert parse_config(with_value("api.url", url)).api is not None
