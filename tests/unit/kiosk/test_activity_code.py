"""Activity codes made by the kiosk core: windows, day binding, key certificates, secrets."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from config.credential_file import CredentialFileKeyring
from config.secrets import SecretStore, activity_code_key_name
from kiosk.activity_code import (
    CERTIFICATE_TYPE,
    CODE_TYPE,
    ActivityCodeError,
    ActivityCodeKey,
    make_activity_code,
    verify_code_key,
    window_bounds,
)
from kiosk.jws import b64url_encode, decode_compact, public_jwk, sign_compact
from kiosk.passes import parse_jwks
from tests.passkit import PassKit

DAY = date(2026, 11, 23)
# 2026-11-23 10:00:30 JST
NOON_ISH = datetime(2026, 11, 23, 1, 0, 30, tzinfo=UTC).timestamp()


def _seed() -> tuple[bytes, Ed25519PrivateKey]:
    private = Ed25519PrivateKey.generate()
    return private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()), private


def entry(kit: PassKit, window: int = 60, **cert_overrides: Any) -> dict[str, Any]:
    """A key entry as `GET /v1/activity-code-keys` returns it, certified by the kit's key."""
    seed, private = _seed()
    jwk = public_jwk(private.public_key())
    claims = {
        "iss": "furusato-national",
        "v": 1,
        "sub": "ack-test",
        "act": "act-beach",
        "day": DAY.isoformat(),
        "dev": "dev-01",
        "win": window,
        "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},
        **cert_overrides,
    }
    header = {"alg": "EdDSA", "typ": CERTIFICATE_TYPE, "kid": kit.key.kid}
    return {
        "activity_id": "act-beach",
        "date": DAY.isoformat(),
        "device_id": "dev-01",
        "kid": "ack-test",
        "seed": b64url_encode(seed),
        "certificate": sign_compact(header, claims, kit.key.private),
    }


def key(kit: PassKit, window: int = 60) -> ActivityCodeKey:
    return verify_code_key(entry(kit, window), window, parse_jwks(kit.jwks()))


def test_a_code_is_a_signed_jws_for_the_current_window(kit: PassKit) -> None:
    code_key = key(kit)
    code = make_activity_code(code_key, NOON_ISH)
    assert (code.not_before, code.expires) == (int(NOON_ISH) - 30, int(NOON_ISH) + 30)
    jws = decode_compact(code.token, max_length=2048)
    assert jws.header == {"alg": "EdDSA", "typ": CODE_TYPE, "kid": "ack-test"}
    assert jws.payload == {
        "act": "act-beach",
        "day": "2026-11-23",
        "dev": "dev-01",
        "nbf": code.not_before,
        "exp": code.expires,
    }
    public = Ed25519PrivateKey.from_private_bytes(code_key.seed).public_key()
    assert jws.verifies_with(public)
    assert len(code.token) < 400  # fits a QR code a phone reads at arm's length


def test_codes_rotate_at_window_boundaries_only(kit: PassKit) -> None:
    code_key = key(kit, window=60)
    start, end = window_bounds(NOON_ISH, 60)
    assert make_activity_code(code_key, start).token == make_activity_code(code_key, end - 1).token
    assert make_activity_code(code_key, end).token != make_activity_code(code_key, start).token
    short = make_activity_code(key(kit, window=30), NOON_ISH)
    assert (short.not_before, short.expires) == (int(NOON_ISH), int(NOON_ISH) + 30)


def test_no_code_on_another_day_at_the_venue(kit: PassKit) -> None:
    code_key = key(kit)
    midnight_jst = datetime(2026, 11, 22, 15, 0, tzinfo=UTC).timestamp()
    assert make_activity_code(code_key, midnight_jst).not_before == midnight_jst
    with pytest.raises(ActivityCodeError, match="the key is for 2026-11-23"):
        make_activity_code(code_key, midnight_jst - 1)
    with pytest.raises(ActivityCodeError):
        make_activity_code(code_key, midnight_jst + 86400)


def test_the_key_is_kept_as_a_secret_and_never_shown(kit: PassKit, tmp_path: Path) -> None:
    code_key = key(kit)
    assert "seed" not in repr(code_key)
    assert b64url_encode(code_key.seed) not in repr(code_key)
    store = SecretStore("kiosk-01", backend=CredentialFileKeyring(tmp_path / "credentials"))
    name = activity_code_key_name(code_key.activity_id, code_key.day.isoformat())
    store.set(name, code_key.to_secret())
    stored = store.get(name)
    assert stored is not None
    assert ActivityCodeKey.from_secret(stored) == code_key
    assert store.delete(name) is True
    with pytest.raises(ValueError, match="unknown secret"):
        store.get("activity_code:act-beach")


@pytest.mark.parametrize(
    ("cert", "wrong"),
    [
        ({"act": "act-other"}, "act"),
        ({"day": "2026-11-24"}, "day"),
        ({"dev": "dev-02"}, "dev"),
        ({"sub": "ack-other"}, "sub"),
        ({"win": 30}, "win"),
        ({"iss": "elsewhere"}, "iss"),
        ({"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}}, "jwk"),
    ],
)
def test_a_certificate_that_does_not_match_its_key_is_refused(
    kit: PassKit, cert: dict[str, Any], wrong: str
) -> None:
    with pytest.raises(ActivityCodeError, match=f"does not match the key: .*{wrong}"):
        verify_code_key(entry(kit, **cert), 60, parse_jwks(kit.jwks()))


def test_a_certificate_not_signed_by_a_trusted_key_is_refused(kit: PassKit) -> None:
    stranger = PassKit()
    with pytest.raises(ActivityCodeError, match="not signed by a trusted national key"):
        verify_code_key(entry(stranger), 60, parse_jwks(kit.jwks()))
    forged = entry(kit)
    forged["certificate"] = forged["certificate"][:-6] + "AAAAAA"
    with pytest.raises(ActivityCodeError, match="not signed by a trusted"):
        verify_code_key(forged, 60, parse_jwks(kit.jwks()))


@pytest.mark.parametrize(
    ("change", "window", "message"),
    [
        ({"seed": "c2hvcnQ"}, 60, "seed must be 32 bytes"),
        ({"seed": "!!"}, 60, "not base64url"),
        ({"date": "23/11/2026"}, 60, "Invalid isoformat"),
        ({"activity_id": ""}, 60, "bad activity_id"),
        ({"kid": 5}, 60, "bad kid"),
        ({"device_id": "dev\x1b[31m"}, 60, "bad device_id"),
        ({"certificate": None}, 60, "with a certificate"),
        ({"certificate": "x.y.z"}, 60, "certificate:"),
        ({}, 5, "out of range"),
        ({}, True, "window length"),
    ],
)
def test_bad_key_material_is_an_error_with_a_reason(
    kit: PassKit, change: dict[str, Any], window: Any, message: str
) -> None:
    with pytest.raises(ActivityCodeError, match=message):
        verify_code_key({**entry(kit), **change}, window, parse_jwks(kit.jwks()))


@pytest.mark.parametrize(
    "text",
    ["", "{}", '{"v": 2}', '{"v": 1, "window_seconds": "60"}', "[" * 1000, '{"v": 1e999}'],
)
def test_a_damaged_stored_key_is_an_error(text: str) -> None:
    with pytest.raises(ActivityCodeError):
        ActivityCodeKey.from_secret(text)


def test_a_key_is_immutable(kit: PassKit) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        key(kit).seed = b"x"  # type: ignore[misc]


def test_secret_names_need_an_activity_and_a_day() -> None:
    assert activity_code_key_name("act-1", "2026-11-23") == "activity_code_key:act-1:2026-11-23"
    with pytest.raises(ValueError, match="required"):
        activity_code_key_name("", "2026-11-23")
