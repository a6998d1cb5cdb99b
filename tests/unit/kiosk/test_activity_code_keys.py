"""Activity code keys in the secret store, their names in the store, the code F7 shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import keyring.errors
import pytest

from config.secrets import SecretStore, activity_code_key_name
from kiosk.activity_code import ActivityCodeKey, verify_code_key
from kiosk.activity_code_keys import ActivityCodes, NoCode, Unavailable
from kiosk.passes import parse_jwks
from kiosk.store import Store
from tests.keyrings import MemoryKeyring
from tests.passkit import PassKit
from tests.unit.kiosk.test_activity_code import DAY, NOON_ISH, entry

AT = datetime.fromtimestamp(NOON_ISH, UTC)


class BrokenKeyring(MemoryKeyring):
    priority = -1  # keyring's own discovery must never pick it for another test

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("locked")


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def codes(tmp_path: Path, memory: MemoryKeyring) -> ActivityCodes:
    return ActivityCodes(Store.open(tmp_path / "k.db"), SecretStore("kiosk-1", backend=memory))


def key(kit: PassKit, day: date = DAY) -> ActivityCodeKey:
    doc = entry(kit, day=day.isoformat())  # the certificate's day
    doc["date"] = day.isoformat()
    return verify_code_key(doc, 60, parse_jwks(kit.jwks()))


def test_keys_go_to_the_secret_store_and_only_their_names_to_the_database(
    codes: ActivityCodes, memory: MemoryKeyring, kit: PassKit, tmp_path: Path
) -> None:
    stored = key(kit)
    assert codes.keep([stored], at=AT) == 1
    name = activity_code_key_name("act-beach", DAY.isoformat())
    assert memory.entries[("furusato-kiosk", f"kiosk-1:{name}")] == stored.to_secret()
    assert [k.name for k in codes.store.pulled.code_keys()] == [name]
    secret_seed = stored.to_secret().split('"seed":"')[1].split('"')[0]
    assert secret_seed.encode() not in (tmp_path / "k.db").read_bytes()

    code = codes.code("act-beach", AT)
    assert not isinstance(code, NoCode)
    assert code.not_before <= NOON_ISH < code.expires
    assert codes.code("act-other", AT) == NoCode(Unavailable.NO_KEY)
    assert codes.code("act-beach", AT + timedelta(days=1)) == NoCode(Unavailable.NO_KEY)


def test_past_days_are_deleted(codes: ActivityCodes, memory: MemoryKeyring, kit: PassKit) -> None:
    codes.keep([key(kit, DAY), key(kit, DAY + timedelta(days=1))], at=AT)
    assert codes.forget_before(DAY + timedelta(days=1)) == 1
    assert [k.day for k in codes.store.pulled.code_keys()] == [
        (DAY + timedelta(days=1)).isoformat()
    ]
    assert len(memory.entries) == 1
    assert codes.key_for("act-beach", DAY) == NoCode(Unavailable.NO_KEY)


def test_unusable_keys_and_a_locked_secret_store_say_why(
    codes: ActivityCodes, memory: MemoryKeyring, tmp_path: Path
) -> None:
    name = activity_code_key_name("act-beach", DAY.isoformat())
    memory.set_password("furusato-kiosk", f"kiosk-1:{name}", '{"v": 1}')
    assert codes.code("act-beach", AT) == NoCode(Unavailable.BAD_KEY)
    locked = ActivityCodes(codes.store, SecretStore("kiosk-1", backend=BrokenKeyring()))
    assert locked.code("act-beach", AT) == NoCode(Unavailable.SECRET_STORE)
