"""`kiosk run` wires issue 17 in: the sync worker holds the trust keeper and the secret store
for activity code keys, and the App gets the activity codes F7 shows."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import keyring
import pytest

from cli.commands.run import background_sync, build_kiosk
from cli.compose import build_services
from config.load import load_config
from config.secrets import SecretStore
from tests.devices import device_config
from tests.keyrings import MemoryKeyring
from tests.trustkit import Anchor

API = '[api]\nurl = "http://127.0.0.1:9"\n'


def pinned(tmp_path: Path, jwks_file: Path, *, api: bool) -> Path:
    path = device_config(tmp_path, jwks_file, extra=API if api else "")
    anchor = tmp_path / "anchor.json"
    anchor.write_text(json.dumps({"keys": [Anchor().jwk]}), encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace(
        "[trust]\n", f'[trust]\nanchor_file = "{anchor}"\n'
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_the_run_sync_worker_pulls_trust_and_code_keys(tmp_path: Path, jwks_file: Path) -> None:
    services = build_services(load_config(pinned(tmp_path, jwks_file, api=True)))
    try:
        assert services.trust is not None
        assert services.trust.pinned
        worker = background_sync(services, SecretStore("kiosk-ops-01", backend=MemoryKeyring()))
        try:
            assert worker.puller.trust is services.trust
            assert worker.puller.verifier is services.verifier
            assert worker.puller.codes is not None
        finally:
            worker.stop()
    finally:
        services.close()


@pytest.mark.parametrize("api", [True, False], ids=["api", "offline-only"])
def test_the_app_gets_activity_codes_only_with_an_api(
    tmp_path: Path, jwks_file: Path, api: bool
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        config = pinned(tmp_path, jwks_file, api=api)
        kiosk = build_kiosk(argparse.Namespace(config=config, language=None))
        try:
            assert (kiosk.app.activity_codes is not None) is api
        finally:
            kiosk.close()
    finally:
        keyring.set_keyring(previous)
