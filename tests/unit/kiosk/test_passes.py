"""Pass verification per architecture §3: every rejection reason, forgeries, hostile input."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.localgov import check_digit, is_valid_code
from kiosk.models import Reason
from kiosk.passes import PassVerifier, Revocations, TrustListError, parse_jwks
from kiosk.text import sanitize
from tests.passkit import PassKit, SigningKey, b64url

NOW = 1_795_000_000


def verifier(kit: PassKit, **kwargs: object) -> PassVerifier:
    return PassVerifier(parse_jwks(kit.jwks()), **kwargs)  # type: ignore[arg-type]


def fresh(kit: PassKit, **claims: Any) -> str:
    window: dict[str, Any] = {"iat": NOW - 60, "exp": NOW + 86400}
    return kit.sign(**{**window, **claims})


def test_valid_pass_is_accepted_with_its_claims(kit: PassKit) -> None:
    token = fresh(kit, sub="FR7K3M9Q2XPD", tier="basic", mun=["131016", "011002"], stay=["131016"])
    result = verifier(kit).verify(token, NOW)
    assert result.ok
    assert result.claims is not None
    assert result.claims.sub == "FR7K3M9Q2XPD"
    assert result.claims.tier == "basic"
    assert result.claims.mun == ("131016", "011002")
    assert result.claims.stay == ("131016",)
    assert result.claims.kid == kit.key.kid


def test_bytes_input_is_accepted(kit: PassKit) -> None:
    assert verifier(kit).verify(fresh(kit).encode(), NOW).ok


def reason_of(kit: PassKit, token: str | bytes, now: float = NOW, **kw: object) -> Reason | None:
    return verifier(kit, **kw).verify(token, now).reason


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "someone-else"}, Reason.WRONG_ISSUER),
        ({"sub": "XX7K3M9Q2XPD"}, Reason.MALFORMED),
        ({"sub": "FR7K3M9Q2XPI"}, Reason.MALFORMED),  # I is not Crockford base32
        ({"tier": "gold"}, Reason.MALFORMED),
        ({"mun": ["131017"]}, Reason.MALFORMED),  # wrong check digit
        ({"mun": "131016"}, Reason.MALFORMED),
        ({"stay": ["999999"]}, Reason.MALFORMED),
        ({"v": 2}, Reason.MALFORMED),
        ({"jti": ""}, Reason.MALFORMED),
        ({"iat": "yesterday"}, Reason.MALFORMED),
        ({"exp": True}, Reason.MALFORMED),
    ],
)
def test_bad_claims_are_rejected_with_a_precise_reason(
    kit: PassKit, claims: dict[str, object], reason: Reason
) -> None:
    assert reason_of(kit, fresh(kit, **claims)) == reason


def test_expired_and_not_yet_valid_respect_clock_skew(kit: PassKit) -> None:
    token = kit.sign(iat=NOW - 1000, exp=NOW - 100)
    assert reason_of(kit, token) is None  # within the default 300 s skew
    assert reason_of(kit, token, clock_skew_s=0) == Reason.EXPIRED
    future = kit.sign(iat=NOW + 1000, exp=NOW + 5000)
    assert reason_of(kit, future) == Reason.NOT_YET_VALID
    assert reason_of(kit, future, now=NOW + 800) is None


def test_revoked_jti_and_sub_are_rejected(kit: PassKit) -> None:
    token = fresh(kit, jti="pass-1", sub="FR0000000001")
    by_jti = PassVerifier(parse_jwks(kit.jwks()), Revocations(jti={"pass-1"}))
    by_sub = PassVerifier(parse_jwks(kit.jwks()), Revocations(sub={"FR0000000001"}))
    assert by_jti.verify(token, NOW).reason == Reason.REVOKED
    assert by_sub.verify(token, NOW).reason == Reason.REVOKED
    by_sub.replace_revocations(Revocations())
    assert by_sub.verify(token, NOW).ok


def test_forged_signature_is_rejected(kit: PassKit) -> None:
    head, body, sig = fresh(kit).split(".")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert reason_of(kit, f"{head}.{body}.{flipped}") == Reason.BAD_SIGNATURE


def test_payload_swapped_under_a_valid_signature_is_rejected(kit: PassKit) -> None:
    head, _, sig = fresh(kit).split(".")
    _, other_body, _ = fresh(kit, tier="basic").split(".")
    assert reason_of(kit, f"{head}.{other_body}.{sig}") == Reason.BAD_SIGNATURE


def test_resigned_with_an_unknown_key_is_rejected(kit: PassKit) -> None:
    stranger = SigningKey("test-2026-a")  # same kid, different key
    assert reason_of(kit, kit.sign(key=stranger, iat=NOW, exp=NOW + 60)) == Reason.BAD_SIGNATURE
    other = SigningKey("rogue")
    assert reason_of(kit, kit.sign(key=other, iat=NOW, exp=NOW + 60)) == Reason.UNKNOWN_KEY


def test_swapped_kid_is_rejected() -> None:
    kit = PassKit([SigningKey("a"), SigningKey("b")])
    header = {"alg": "EdDSA", "kid": "b", "typ": "furusato-pass+jwt"}
    token = kit.sign(header=header, key=kit.keys[0], iat=NOW, exp=NOW + 60)
    assert reason_of(kit, token) == Reason.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "none", "kid": "test-2026-a", "typ": "furusato-pass+jwt"}, Reason.UNSUPPORTED_ALG),
        (
            {"alg": "HS256", "kid": "test-2026-a", "typ": "furusato-pass+jwt"},
            Reason.UNSUPPORTED_ALG,
        ),
        ({"alg": "EdDSA", "kid": "test-2026-a", "typ": "JWT"}, Reason.WRONG_TYPE),
        ({"alg": "EdDSA", "typ": "furusato-pass+jwt"}, Reason.UNKNOWN_KEY),
        ({"alg": "EdDSA", "kid": ["x"], "typ": "furusato-pass+jwt"}, Reason.UNKNOWN_KEY),
    ],
)
def test_header_checks(kit: PassKit, header: dict[str, object], reason: Reason) -> None:
    assert reason_of(kit, kit.sign(header=header, iat=NOW, exp=NOW + 60)) == reason


def test_alg_none_with_empty_signature_is_rejected(kit: PassKit) -> None:
    head = b64url(json.dumps({"alg": "none", "typ": "furusato-pass+jwt"}).encode())
    body = b64url(json.dumps(kit.claims()).encode())
    assert reason_of(kit, f"{head}.{body}.") == Reason.MALFORMED
    assert reason_of(kit, f"{head}.{body}.AAAA") == Reason.UNSUPPORTED_ALG


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "https://example.invalid/x",
        "a.b",
        "a.b.c.d",
        "a..b",
        "eyJhbGciOiJFZERTQSJ9",
        "x" * 10_000,
    ],
)
def test_garbage_that_is_not_a_pass_is_malformed(kit: PassKit, token: str) -> None:
    assert reason_of(kit, token) == Reason.MALFORMED


@pytest.mark.parametrize(
    "token",
    ["!!!.???.***", "[b]bold[/b].[@click].x", "\x1b[31mred\x1b[0m.e30.e30"],
)
def test_pass_shaped_token_that_does_not_decode_is_bad_encoding(kit: PassKit, token: str) -> None:
    assert reason_of(kit, token) == Reason.BAD_ENCODING


def test_truncated_and_non_utf8_tokens_are_rejected(kit: PassKit) -> None:
    token = fresh(kit)
    assert reason_of(kit, token[: len(token) // 2]) == Reason.MALFORMED  # two segments left
    assert reason_of(kit, token[:-10]) == Reason.BAD_SIGNATURE
    assert reason_of(kit, b"\xff\xfe\x00abc") == Reason.BAD_ENCODING
    head = b64url(b"\xff\xfe not json")
    assert reason_of(kit, f"{head}.e30.AAAA") == Reason.BAD_ENCODING


def test_signed_payload_that_is_not_json_is_malformed(kit: PassKit) -> None:
    key = kit.key
    head = b64url(json.dumps({"alg": "EdDSA", "kid": key.kid, "typ": "furusato-pass+jwt"}).encode())
    body = b64url(b"\xff not json")
    sig = b64url(key.private.sign(f"{head}.{body}".encode()))
    assert reason_of(kit, f"{head}.{body}.{sig}") == Reason.MALFORMED


def test_markup_and_escapes_inside_signed_claims_are_rejected_not_rendered(kit: PassKit) -> None:
    token = fresh(kit, sub="[b]FR[/b]\x1b[2J", jti="[@click=app.quit]")
    result = verifier(kit).verify(token, NOW)
    assert result.reason == Reason.MALFORMED
    assert "\x1b" not in result.detail


def test_sanitize_strips_escapes_controls_and_bidi() -> None:
    assert sanitize("\x1b[31mred\x1b[0m\x07 ok\u202e") == "red ok"
    assert sanitize("\x1b]0;title\x07name") == "name"
    assert len(sanitize("x" * 1000, limit=50)) == 50


def test_trust_list_errors_are_clear() -> None:
    with pytest.raises(TrustListError, match="no 'keys'"):
        parse_jwks({})
    with pytest.raises(TrustListError, match="not a valid Ed25519"):
        parse_jwks({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "AAAA"}]})
    assert parse_jwks({"keys": [{"kty": "RSA", "kid": "r"}]}) == {}


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("131016", True),
        ("011002", True),
        ("131017", False),
        ("13101", False),
        ("13101a", False),
        ("１３１０１６", False),
    ],
)
def test_local_government_code_check_digit(code: str, valid: bool) -> None:
    assert is_valid_code(code) is valid


def test_check_digit_formula() -> None:
    # s = 6*1+5*3+4*1+3*0+2*1 = 27; (11 - 27 % 11) % 10 = 6
    assert check_digit("13101") == 6


HOSTILE = PassKit()
HOSTILE_VERIFIER = PassVerifier(parse_jwks(HOSTILE.jwks()))


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=600), st.binary(max_size=600)))
def test_verifier_never_raises_on_arbitrary_input(data: str | bytes) -> None:
    result = HOSTILE_VERIFIER.verify(data, time.time())
    assert result.ok is False
    assert result.reason is not None


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=20),
            st.lists(st.text(max_size=8), max_size=3),
        ),
    )
)
def test_verifier_never_raises_on_arbitrary_signed_claims(claims: dict[str, object]) -> None:
    token = HOSTILE.sign(claims)
    result = HOSTILE_VERIFIER.verify(token, time.time())
    assert result.ok or result.reason is not None


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.text(max_size=20)))
def test_verifier_never_raises_on_arbitrary_headers(header: dict[str, object]) -> None:
    segment = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    result = HOSTILE_VERIFIER.verify(f"{segment}.e30.AAAA", time.time())
    assert result.reason is not None
