"""Shared fixtures: real keys, real JWKS files, real SQLite databases in temp folders.

Autouse isolation keeps a real device's config, credentials and environment out of tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from kiosk.logs import stop_logging
from tests.passkit import PassKit

# Property tests draw from `tests.hostile`; `make test` runs the short profile, `make fuzz` the
# long one (`--hypothesis-profile=fuzz`, or HYPOTHESIS_PROFILE=fuzz in the environment). Tests
# that fuzz leave max_examples to the profile (`make fuzz FUZZ_EXAMPLES=N` sets the long one's).
settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for name in ("KIOSK_CONFIG_FILE", "NO_COLOR", "TEXTUAL_THEME", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIOSK_CREDENTIALS_DIR", str(tmp_path_factory.mktemp("credentials")))
    # log files of commands run without [logging] directory stay out of the real home
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(autouse=True)
def _detach_log_file() -> Iterator[None]:
    """Commands run in-process attach the kiosk log file handler; detach it after each test."""
    yield
    stop_logging()


@pytest.fixture
def kit() -> PassKit:
    return PassKit()


@pytest.fixture
def jwks_file(kit: PassKit, tmp_path: Path) -> Path:
    return kit.write_jwks(tmp_path / "jwks.json")


@pytest.fixture
def config_file(tmp_path: Path, jwks_file: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[device]
id = "kiosk-test-01"
name = "Gate 1"
municipality = "131016"
database = "{tmp_path / "kiosk.db"}"

[trust]
jwks_file = "{jwks_file}"

[activity]
id = "act-2026-11-23-beach"
name = "Beach clean-up"
""",
        encoding="utf-8",
    )
    return path
