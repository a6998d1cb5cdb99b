"""The kiosk core's trust-statement verifier: every refusal, anchor rotation, hostile input."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.jws import b64url_encode, sign_compact
from kiosk.trust import (
    ANNOUNCEMENT_TYPE,
    Accepted,
    Refusal,
    Refused,
    reload_statement,
    verify_statement,
)
from kiosk.trust_anchor import (
    AnchorPin,
    TrustAnchorError,
    TrustState,
    configured_pins,
    load_anchor_file,
)
from tests.passkit import PassKit, SigningKey
from tests.trustkit import NOW, Anchor


def accepted(outcome: Accepted | Refused) -> Accepted:
    assert isinstance(outcome, Accepted), outcome
    return outcome


def refused(outcome: Accepted | Refused) -> Refusal:
    assert isinstance(outcome, Refused), outcome
    return outcome.reason


def test_a_valid_statement_gives_keys_revocations_and_the_next_state(kit: PassKit) -> None:
    anchor = Anchor()
    result = accepted(verify_statement(anchor.statement(kit, seq=5), anchor.state(), NOW))
    statement = result.statement
    assert list(statement.keys) == [kit.key.kid]
    assert statement.revoked_jti == {"lost-1"}
    assert statement.revocations().jti == {"lost-1"}
    assert (statement.sequence, statement.anchor, statement.next_anchor) == (5, anchor.kid, None)
    assert statement.issued_at == NOW - 60
    assert result.state == TrustState((anchor.pin(),), 5)


def test_a_thumbprint_pin_trusts_the_key_the_header_carries(kit: PassKit) -> None:
    anchor = Anchor()
    state = TrustState((AnchorPin.from_thumbprint(anchor.kid),))
    result = accepted(verify_statement(anchor.statement(kit), state, NOW))
    assert result.state.anchors[0].key is not None  # from now on the key itself is pinned
    stripped = anchor.sign(anchor.payload(kit), jwk=None)
    assert refused(verify_statement(stripped, state, NOW)) is Refusal.UNKNOWN_ANCHOR
    other = Anchor()
    swapped = other.sign(anchor.payload(kit), kid=anchor.kid)  # other key under the pinned kid
    assert refused(verify_statement(swapped, state, NOW)) is Refusal.UNKNOWN_ANCHOR


def test_signed_by_another_key_is_refused(kit: PassKit) -> None:
    anchor, forger = Anchor(), Anchor()
    forged = forger.sign(anchor.payload(kit), kid=anchor.kid, jwk=anchor.jwk)
    assert refused(verify_statement(forged, anchor.state(), NOW)) is Refusal.BAD_SIGNATURE
    unpinned = forger.statement(kit)
    assert refused(verify_statement(unpinned, anchor.state(), NOW)) is Refusal.UNKNOWN_ANCHOR


@pytest.mark.parametrize(("seq", "last"), [(3, 3), (2, 3), (1, 10**6)])
def test_an_older_or_equal_sequence_is_refused(kit: PassKit, seq: int, last: int) -> None:
    anchor = Anchor()
    outcome = verify_statement(anchor.statement(kit, seq=seq), anchor.state(last), NOW)
    assert refused(outcome) is Refusal.NOT_NEWER


def test_expired_and_future_statements_are_refused(kit: PassKit) -> None:
    anchor = Anchor()
    token = anchor.statement(kit, iat=NOW - 100, exp=NOW)
    assert refused(verify_statement(token, anchor.state(), NOW)) is Refusal.EXPIRED
    accepted(verify_statement(token, anchor.state(), NOW - 1))
    future = anchor.statement(kit, iat=NOW + 301, exp=NOW + 86400)
    assert refused(verify_statement(future, anchor.state(), NOW)) is Refusal.NOT_YET_VALID
    assert isinstance(verify_statement(future, anchor.state(), NOW, clock_skew_s=400), Accepted)


def test_a_statement_dropping_every_key_is_refused(kit: PassKit) -> None:
    anchor = Anchor()
    empty = anchor.statement(kit, jwks={"keys": []})
    assert refused(verify_statement(empty, anchor.state(), NOW)) is Refusal.NO_KEYS
    rsa_only = anchor.statement(kit, jwks={"keys": [{"kty": "RSA", "kid": "r", "n": "x"}]})
    assert refused(verify_statement(rsa_only, anchor.state(), NOW)) is Refusal.NO_KEYS


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"typ": "furusato-pass+jwt"}, Refusal.WRONG_TYPE),
        ({"typ": None}, Refusal.WRONG_TYPE),
        ({"alg": "none"}, Refusal.UNSUPPORTED_ALG),
        ({"alg": "HS256"}, Refusal.UNSUPPORTED_ALG),
        ({"kid": 7}, Refusal.UNKNOWN_ANCHOR),
    ],
)
def test_header_checks(kit: PassKit, header: dict[str, Any], reason: Refusal) -> None:
    anchor = Anchor()
    token = anchor.sign(anchor.payload(kit), **header)
    assert refused(verify_statement(token, anchor.state(), NOW)) is reason


def test_a_pass_is_not_a_statement(kit: PassKit) -> None:
    anchor = Anchor()
    assert refused(verify_statement(kit.sign(), anchor.state(), NOW)) is Refusal.WRONG_TYPE


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"iss": "someone-else"}, Refusal.WRONG_ISSUER),
        ({"v": 2}, Refusal.MALFORMED),
        ({"seq": True}, Refusal.MALFORMED),
        ({"seq": "7"}, Refusal.MALFORMED),
        ({"seq": 7.0}, Refusal.MALFORMED),
        ({"seq": 0}, Refusal.MALFORMED),
        ({"seq": 2**60}, Refusal.MALFORMED),
        ({"exp": NOW - 120}, Refusal.MALFORMED),  # exp before iat
        ({"iat": -1}, Refusal.MALFORMED),
        ({"jwks": []}, Refusal.MALFORMED),
        ({"jwks": {"keys": {}}}, Refusal.MALFORMED),
        ({"jwks": {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "!!"}]}}, None),
        ({"revocations": {"jti": [], "sub": []}}, Refusal.MALFORMED),
        ({"revocations": {"jti": [1], "sub": [], "through": "0"}}, Refusal.MALFORMED),
        ({"revocations": {"jti": [""], "sub": [], "through": "0"}}, Refusal.MALFORMED),
        ({"revocations": {"jti": ["x" * 257], "sub": [], "through": "0"}}, Refusal.MALFORMED),
        ({"revocations": None}, Refusal.MALFORMED),
        ({"anchor_announcement": 5}, Refusal.BAD_ANNOUNCEMENT),
        ({"anchor_announcement": "not.a.jws"}, Refusal.BAD_ANNOUNCEMENT),
    ],
)
def test_malformed_content_is_refused_not_raised(
    kit: PassKit, overrides: dict[str, Any], reason: Refusal | None
) -> None:
    anchor = Anchor()
    outcome = verify_statement(anchor.statement(kit, **overrides), anchor.state(), NOW)
    assert refused(outcome) is (reason or Refusal.MALFORMED)


def _signed_raw(anchor: Anchor, payload_json: bytes) -> str:
    header = {"alg": "EdDSA", "typ": "furusato-trust+jwt", "kid": anchor.kid}
    head = b64url_encode(json.dumps(header).encode())
    signing_input = f"{head}.{b64url_encode(payload_json)}"
    signature = anchor.private.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deep nesting (would blow json's recursion)
        b'{"seq": ' + b"9" * 5000 + b"}",  # a huge integer
        b'{"seq": 1e999}',  # an infinite float
        b'{"seq": NaN}',
        b'{"seq": 1, "seq": 2}',  # a repeated member
        b"\xff\xfe not utf-8",
        b'"a string, not an object"',
        b"",
    ],
)
def test_hostile_payloads_signed_by_the_anchor_are_refused(payload: bytes) -> None:
    anchor = Anchor()
    outcome = verify_statement(_signed_raw(anchor, payload), anchor.state(), NOW)
    assert refused(outcome) is Refusal.BAD_ENCODING


@pytest.mark.parametrize(
    "token",
    ["", "....", "a.b.c", "a.b", "é.é.é", "a" * 100, "eyJ9.eyJ9.AA", "\x1b[31m.x.y", " . . "],
)
def test_garbage_is_bad_encoding(token: str) -> None:
    anchor = Anchor()
    assert refused(verify_statement(token, anchor.state(), NOW)) is Refusal.BAD_ENCODING


def test_one_spelling_only_non_canonical_base64url_is_refused(kit: PassKit) -> None:
    anchor = Anchor()
    token = anchor.statement(kit)
    # A 64-byte signature ends in a character with 4 unused bits (always A, Q, g or w); the
    # next letter decodes to the same bytes but is another spelling of the token.
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    assert token[-1] in "AQgw"
    variant = token[:-1] + alphabet[alphabet.index(token[-1]) + 1]
    assert refused(verify_statement(variant, anchor.state(), NOW)) is Refusal.BAD_ENCODING


def test_an_oversized_statement_is_refused_before_parsing() -> None:
    anchor = Anchor()
    outcome = verify_statement("a" * (16 * 1024 * 1024 + 1), anchor.state(), NOW)
    assert refused(outcome) is Refusal.TOO_LARGE


_FIXED = Anchor()  # one key for the property tests keeps each example fast


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_any_text_is_refused_without_raising(text: str) -> None:
    assert isinstance(verify_statement(text, _FIXED.state(), NOW), Refused)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_change_to_a_valid_statement_is_refused(data: st.DataObject) -> None:
    kit = PassKit([SigningKey("fuzz-key")])
    token = _FIXED.statement(kit)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("AaZz09-_.=+/ "))
    mutated = token[:position] + replacement + token[position + 1 :]
    outcome = verify_statement(mutated, _FIXED.state(), NOW)
    assert isinstance(outcome, Refused) or mutated.strip() == token


# -- anchor rotation --------------------------------------------------------------------------


def test_rotation_announced_then_switched(kit: PassKit) -> None:
    old, new = Anchor(), Anchor()
    announcing = old.statement(kit, seq=2, anchor_announcement=old.announce(new))
    step1 = accepted(verify_statement(announcing, old.state(1), NOW))
    assert step1.statement.next_anchor == new.kid
    assert [p.thumbprint for p in step1.state.anchors] == [old.kid, new.kid]
    # The switch: the new anchor signs; the kiosk already trusts it from the announcement.
    switched = new.statement(kit, seq=3)
    step2 = accepted(verify_statement(switched, step1.state, NOW))
    assert [p.thumbprint for p in step2.state.anchors] == [new.kid]
    # The old anchor is not trusted any more: no going back.
    late = old.statement(kit, seq=4)
    assert refused(verify_statement(late, step2.state, NOW)) is Refusal.UNKNOWN_ANCHOR


def test_a_kiosk_that_missed_the_announcement_follows_the_proof(kit: PassKit) -> None:
    old, new = Anchor(), Anchor()
    with_proof = new.statement(kit, seq=9, anchor_announcement=old.announce(new))
    result = accepted(verify_statement(with_proof, old.state(3), NOW))
    assert [p.thumbprint for p in result.state.anchors] == [new.kid]
    assert result.statement.next_anchor is None


def test_a_thumbprint_pinned_kiosk_first_online_after_a_switch_follows_the_proof(
    kit: PassKit,
) -> None:
    old, new = Anchor(), Anchor()
    state = TrustState((AnchorPin.from_thumbprint(old.kid),))
    with_proof = new.statement(kit, seq=9, anchor_announcement=old.announce(new))
    result = accepted(verify_statement(with_proof, state, NOW))
    assert [p.thumbprint for p in result.state.anchors] == [new.kid]
    impostor = Anchor()  # an announcement carrying another key under the pinned thumbprint
    forged_proof = sign_compact(
        {"alg": "EdDSA", "typ": ANNOUNCEMENT_TYPE, "kid": old.kid, "jwk": impostor.jwk},
        {"iss": "furusato-national", "v": 1, "iat": NOW, "anchor": new.jwk},
        impostor.private,
    )
    forged = new.statement(kit, seq=9, anchor_announcement=forged_proof)
    assert refused(verify_statement(forged, state, NOW)) is Refusal.UNKNOWN_ANCHOR


def test_an_anchor_nobody_announced_is_refused(kit: PassKit) -> None:
    old, new, rogue = Anchor(), Anchor(), Anchor()
    unannounced = new.statement(kit, seq=2)
    assert refused(verify_statement(unannounced, old.state(1), NOW)) is Refusal.UNKNOWN_ANCHOR
    self_announced = new.statement(kit, seq=2, anchor_announcement=new.announce(new))
    assert refused(verify_statement(self_announced, old.state(1), NOW)) is Refusal.UNKNOWN_ANCHOR
    by_rogue = new.statement(kit, seq=2, anchor_announcement=rogue.announce(new))
    assert refused(verify_statement(by_rogue, old.state(1), NOW)) is Refusal.UNKNOWN_ANCHOR
    other_named = new.statement(kit, seq=2, anchor_announcement=old.announce(rogue))
    assert refused(verify_statement(other_named, old.state(1), NOW)) is Refusal.UNKNOWN_ANCHOR


def test_a_broken_announcement_by_the_signing_anchor_is_refused(kit: PassKit) -> None:
    old, new = Anchor(), Anchor()
    for announcement in (
        old.announce(new, iss="elsewhere"),
        old.announce(new, anchor={"kty": "OKP", "crv": "Ed25519", "x": "short"}),
        old.announce(new, anchor={**new.jwk, "kid": "not-the-thumbprint"}),
        sign_compact(
            {"alg": "EdDSA", "typ": "furusato-trust+jwt", "kid": old.kid},
            {"iss": "furusato-national", "v": 1, "anchor": new.jwk},
            old.private,
        ),
    ):
        token = old.statement(kit, seq=2, anchor_announcement=announcement)
        assert refused(verify_statement(token, old.state(1), NOW)) is Refusal.BAD_ANNOUNCEMENT
    assert ANNOUNCEMENT_TYPE == "furusato-anchor+jwt"


# -- reload, state and anchor files -----------------------------------------------------------


def test_the_last_good_statement_reloads_even_when_expired(kit: PassKit) -> None:
    anchor = Anchor()
    token = anchor.statement(kit, seq=4, iat=NOW - 100, exp=NOW)
    state = accepted(verify_statement(token, anchor.state(3), NOW - 50)).state
    reloaded = reload_statement(token, state)
    assert not isinstance(reloaded, Refused)
    assert reloaded.sequence == 4
    assert isinstance(reload_statement(token, state.with_sequence(5)), Refused)
    assert isinstance(reload_statement(token[:-4] + "AAAA", state), Refused)


def test_trust_state_round_trips_as_json(kit: PassKit) -> None:
    old, new = Anchor(), Anchor()
    token = old.statement(kit, seq=7, anchor_announcement=old.announce(new))
    state = accepted(verify_statement(token, old.state(), NOW)).state
    assert TrustState.from_json(state.to_json()) == state
    thumb = TrustState((AnchorPin.from_thumbprint(old.kid),), 2)
    assert TrustState.from_json(thumb.to_json()) == thumb


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"v": 1}',
        '{"v": 1, "sequence": -1, "anchors": []}',
        '{"v": 1, "sequence": 1, "anchors": []}',
        '{"v": 1, "sequence": 1, "anchors": [{"thumbprint": "short"}]}',
        '{"v": 1, "sequence": 1, "anchors": [{"kty": "RSA"}]}',
        '{"v": 1, "sequence": 1e400, "anchors": []}',
        "[" * 5000,
    ],
)
def test_a_damaged_trust_state_is_an_error_not_a_crash(text: str) -> None:
    with pytest.raises(TrustAnchorError):
        TrustState.from_json(text)


def test_anchor_files_a_jwk_or_a_jwk_set(tmp_path: Path) -> None:
    one, two = Anchor(), Anchor()
    single = tmp_path / "anchor.jwk"
    single.write_text(json.dumps(one.jwk))
    assert load_anchor_file(single) == (one.pin(),)
    both = tmp_path / "anchors.json"
    both.write_text(json.dumps({"keys": [one.jwk, two.jwk]}))
    assert [p.thumbprint for p in load_anchor_file(both)] == [one.kid, two.kid]
    assert configured_pins(None, one.kid) == (AnchorPin(one.kid),)
    assert configured_pins(None, None) == ()
    with pytest.raises(TrustAnchorError, match="no trust anchor pinned"):
        TrustState.initial(())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read anchor file"),
        ("not json", "not JSON"),
        ('{"keys": []}', "has no key"),
        ('{"kty": "RSA", "n": "x"}', "expected OKP/Ed25519"),
        ("[1]", "expected OKP/Ed25519"),
    ],
)
def test_bad_anchor_files_say_what_is_wrong(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "anchor.jwk"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TrustAnchorError, match=message):
        load_anchor_file(path)


def test_an_anchor_file_with_a_wrong_kid_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "anchor.jwk"
    path.write_text(json.dumps({**Anchor().jwk, "kid": "x" * 43}))
    with pytest.raises(TrustAnchorError, match="is not its thumbprint"):
        load_anchor_file(path)
