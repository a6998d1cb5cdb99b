"""config.secrets: keyring selection, the root-only credential file, PIN hashes."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail

from config.secrets import (
    CREDENTIALS_FILE,
    DEVICE_TOKEN,
    PIN_HASH,
    CredentialFileKeyring,
    SecretStore,
    SecretStoreError,
    default_backend,
)
from kiosk.pin import hash_pin, verify_pin
from tests.keyrings import MemoryKeyring


@pytest.fixture
def active_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_uses_keyring_when_a_backend_works(active_keyring: None) -> None:
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    store = SecretStore("kiosk-01")
    store.set(DEVICE_TOKEN, "fkd_secret")
    assert store.device_token == "fkd_secret"
    assert memory.entries == {("furusato-kiosk", "kiosk-01:device_token"): "fkd_secret"}
    assert store.delete(DEVICE_TOKEN) is True
    assert store.delete(DEVICE_TOKEN) is False
    assert store.device_token is None


def test_falls_back_to_the_credential_file_without_a_keyring(active_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    backend = default_backend()
    assert isinstance(backend, CredentialFileKeyring)
    assert backend.directory == Path(os.environ["KIOSK_CREDENTIALS_DIR"])
    assert "CredentialFileKeyring" in SecretStore("k").describe()


def test_credential_file_is_private_and_round_trips(tmp_path: Path) -> None:
    directory = tmp_path / "creds"
    store = SecretStore("kiosk-01", backend=CredentialFileKeyring(directory))
    store.set(DEVICE_TOKEN, "fkd_one")
    store.set(PIN_HASH, hash_pin("482913"))
    path = directory / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert store.device_token == "fkd_one"
    assert verify_pin("482913", store.pin_hash or "")
    assert not verify_pin("000000", store.pin_hash or "")
    # another device on the same machine does not see this one's secrets
    assert SecretStore("kiosk-02", backend=CredentialFileKeyring(directory)).device_token is None
    stored = json.loads(path.read_text())
    assert stored["entries"]["furusato-kiosk"]["kiosk-01:device_token"] == "fkd_one"
    assert "482913" not in path.read_text()
    store.delete(DEVICE_TOKEN)
    assert store.device_token is None
    assert not list(directory.glob(".credentials-*"))  # no temporary files left behind


def test_refuses_a_file_readable_by_others(tmp_path: Path) -> None:
    store = SecretStore("k", backend=CredentialFileKeyring(tmp_path / "c"))
    store.set(DEVICE_TOKEN, "t")
    os.chmod(tmp_path / "c" / CREDENTIALS_FILE, 0o644)
    with pytest.raises(SecretStoreError, match="chmod 0600"):
        store.get(DEVICE_TOKEN)


def test_refuses_a_directory_open_to_others(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    with pytest.raises(SecretStoreError, match="chmod 0700"):
        SecretStore("k", backend=CredentialFileKeyring(directory)).set(DEVICE_TOKEN, "t")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the file to another user")
def test_refuses_a_file_owned_by_another_user(tmp_path: Path) -> None:
    store = SecretStore("k", backend=CredentialFileKeyring(tmp_path / "c"))
    store.set(DEVICE_TOKEN, "t")
    os.chown(tmp_path / "c" / CREDENTIALS_FILE, 65534, 65534)
    with pytest.raises(SecretStoreError, match="belongs to uid 65534"):
        store.get(DEVICE_TOKEN)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "c"

    def write(n: int) -> None:
        store = SecretStore(f"kiosk-{n}", backend=CredentialFileKeyring(directory))
        for i in range(10):
            store.set(DEVICE_TOKEN, f"token-{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for n in range(6):
        store = SecretStore(f"kiosk-{n}", backend=CredentialFileKeyring(directory))
        assert store.device_token == f"token-{n}-9"


def test_reads_systemd_credentials_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    systemd = tmp_path / "systemd"
    systemd.mkdir()
    (systemd / CREDENTIALS_FILE).write_text(
        json.dumps({"entries": {"furusato-kiosk": {"k:device_token": "from-systemd"}}})
    )
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(systemd))
    store = SecretStore("k", backend=CredentialFileKeyring(tmp_path / "own"))
    assert store.device_token == "from-systemd"
    store.set(DEVICE_TOKEN, "local")  # the writable file wins once it has an entry
    assert store.device_token == "local"


def test_unknown_secret_names_and_empty_values_are_refused(tmp_path: Path) -> None:
    store = SecretStore("k", backend=CredentialFileKeyring(tmp_path / "c"))
    with pytest.raises(ValueError, match="unknown secret"):
        store.get("password")
    with pytest.raises(ValueError, match="empty"):
        store.set(PIN_HASH, "")


def test_pin_hashes_are_salted_and_verify() -> None:
    first, second = hash_pin("482913"), hash_pin("482913")
    assert first != second
    assert first.startswith("scrypt$")
    assert verify_pin("482913", first)
    assert verify_pin("482913", second)
    assert not verify_pin("482914", first)
    assert not verify_pin("482913", "garbage")
    assert not verify_pin("482913", "scrypt$1048577$8$1$AAAA$AAAA")  # absurd cost refused
