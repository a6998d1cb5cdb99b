"""The signed trust statement over loopback, judged by the kiosk core's verifier (issue 17).

Real statements come from the real server; forgeries are made from them (re-signed by another
key, or signed with the server's own anchor key to stand for a compromised or buggy server).
"""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kiosk.jws import decode_compact, sign_compact
from kiosk.passes import PassVerifier
from kiosk.trust import Accepted, Refusal, Refused, TrustStatement, verify_statement
from kiosk.trust_anchor import TrustState, anchor_pins_from_document
from sync.server import admin
from sync.server.codes import utc_now
from sync.server.runner import RunningServer, start_server
from sync.server.settings import NationalSettings
from sync.server.tables import TrustStatementRecord
from sync.server.trust_anchor import (
    RETIRED,
    anchor_info,
    anchor_signer,
    announce_anchor,
    current_anchor,
    switch_anchor,
)
from sync.server.trust_statement import current_statement
from tests.trustkit import Anchor

from .conftest import Device

MAX_STATEMENT = 16 * 1024 * 1024


def fetch(device: Device) -> str:
    response = device.client.get("/v1/trust/statement")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/jose"
    return response.text


def pinned_state(engine: Engine) -> TrustState:
    """What provisioning pins: the anchor as `national-api anchor export` writes it."""
    with Session(engine) as s:
        return TrustState.initial(anchor_pins_from_document(anchor_info(s).jwks()))


def accept(token: str, state: TrustState) -> Accepted:
    outcome = verify_statement(token, state, time.time())
    assert isinstance(outcome, Accepted), outcome
    return outcome


def refusal(token: str, state: TrustState, now: float | None = None) -> Refusal:
    outcome = verify_statement(token, state, time.time() if now is None else now)
    assert isinstance(outcome, Refused), outcome
    return outcome.reason


def test_the_served_statement_verifies_with_the_pinned_anchor(
    device: Device, db: Session, engine: Engine
) -> None:
    admin.revoke(db, jti="lost-phone-1")
    admin.revoke(db, sub="FR7K3M9Q2XPD")
    first = device.client.get("/v1/trust/statement")
    token = first.text
    statement = accept(token, pinned_state(engine)).statement
    assert set(statement.keys) == {k["kid"] for k in admin.jwks(db)["keys"]}
    assert statement.revoked_jti == {"lost-phone-1"}
    assert statement.revoked_sub == {"FR7K3M9Q2XPD"}
    assert statement.expires_at - statement.issued_at == 7 * 86400
    # Unchanged: the same bytes again, and 304 for the ETag.
    assert fetch(device) == token
    etag = first.headers["etag"]
    cached = device.client.get("/v1/trust/statement", headers={"If-None-Match": etag})
    assert (cached.status_code, cached.content, cached.headers["etag"]) == (304, b"", etag)
    assert httpx.get(f"{device.client.base_url}/v1/trust/statement").status_code == 401


def test_forged_old_expired_and_keyless_statements_are_refused(
    device: Device, db: Session, engine: Engine
) -> None:
    pinned = pinned_state(engine)
    old = fetch(device)
    admin.revoke(db, jti="lost-phone-2")
    good = accept(fetch(device), pinned)
    last_good: TrustStatement = good.statement
    state = good.state
    real = decode_compact(fetch(device), max_length=MAX_STATEMENT)

    # 1. Signed by another key (posing as the anchor, and as itself).
    forger = Anchor()
    forged_payload = {**real.payload, "seq": real.payload["seq"] + 1}
    posing = sign_compact(real.header, forged_payload, forger.private)
    assert refusal(posing, state) is Refusal.BAD_SIGNATURE
    assert refusal(forger.sign(forged_payload), state) is Refusal.UNKNOWN_ANCHOR
    # 2. An older sequence: the real statement from before the revocation.
    assert refusal(old, state) is Refusal.NOT_NEWER
    # 3. Expired: the real current statement, judged after its exp.
    exp = real.payload["exp"]
    stale = TrustState(state.anchors, state.sequence - 1)
    assert refusal(fetch(device), stale, now=exp) is Refusal.EXPIRED
    # 4. Dropping every key, even when truly signed by the anchor (a broken server).
    with Session(engine) as s:
        anchor_key = anchor_signer(current_anchor(s))
    keyless = {**forged_payload, "jwks": {"keys": []}}
    assert refusal(sign_compact(real.header, keyless, anchor_key), state) is Refusal.NO_KEYS
    assert refusal(sign_compact(real.header, keyless, forger.private), state) is (
        Refusal.BAD_SIGNATURE
    )

    # The gate keeps verifying with the last good list.
    verifier = PassVerifier(last_good.keys, last_good.revocations())
    valid = admin.issue_pass(db)
    assert verifier.verify(valid.token, time.time()).ok
    lost = admin.issue_pass(db, jti="lost-phone-2")
    assert verifier.verify(lost.token, time.time()).reason == "revoked"


def test_a_pass_key_rotation_is_accepted(device: Device, db: Session, engine: Engine) -> None:
    first = accept(fetch(device), pinned_state(engine))
    old_pass = admin.issue_pass(db)
    new_kid = admin.rotate_key(db)
    rotated = accept(fetch(device), first.state)
    assert rotated.statement.sequence > first.statement.sequence
    assert set(rotated.statement.keys) == {old_pass.kid, new_kid}
    new_pass = admin.issue_pass(db)
    verifier = PassVerifier(rotated.statement.keys)
    assert verifier.verify(new_pass.token, time.time()).ok
    assert verifier.verify(old_pass.token, time.time()).ok

    admin.remove_key(db, old_pass.kid)
    removed = accept(fetch(device), rotated.state)
    assert list(removed.statement.keys) == [new_kid]
    verifier.replace_keys(removed.statement.keys)
    assert verifier.verify(old_pass.token, time.time()).reason == "unknown_key"


def test_anchor_rotation_is_accepted_only_when_announced(
    device: Device, engine: Engine, server: RunningServer
) -> None:
    pinned = pinned_state(engine)
    before = accept(fetch(device), pinned)
    with Session(engine) as s:
        old_kid, new_kid = current_anchor(s).kid, announce_anchor(s)
    announcing = accept(fetch(device), before.state)
    assert announcing.statement.anchor == old_kid
    assert announcing.statement.next_anchor == new_kid
    assert [p.thumbprint for p in announcing.state.anchors] == [old_kid, new_kid]

    with Session(engine) as s:
        assert switch_anchor(s) == new_kid
    switched_token = fetch(device)
    switched = accept(switched_token, announcing.state)
    assert switched.statement.anchor == new_kid
    assert [p.thumbprint for p in switched.state.anchors] == [new_kid]
    # A kiosk offline during the announcement verifies the succession its pinned anchor signed.
    assert accept(switched_token, before.state).statement.anchor == new_kid

    # An anchor nobody announced: the server's anchor replaced behind the kiosks' backs.
    with Session(engine) as s:
        current = current_anchor(s)
        current.state, current.private_key = RETIRED, ""
        s.add(current)
        s.commit()
        rogue_kid = current_anchor(s).kid  # a fresh anchor, never announced
    rogue_token = fetch(device)
    assert decode_compact(rogue_token, max_length=MAX_STATEMENT).header["kid"] == rogue_kid
    assert refusal(rogue_token, switched.state) is Refusal.UNKNOWN_ANCHOR
    assert refusal(rogue_token, pinned) is Refusal.UNKNOWN_ANCHOR


def test_sequence_numbers_survive_a_restart_and_only_grow(
    device: Device, db: Session, engine: Engine, server: RunningServer, database_url: str
) -> None:
    first_token = fetch(device)
    first = accept(first_token, pinned_state(engine))
    server.stop()
    with start_server(database_url) as again:
        headers = {"Authorization": device.client.headers["Authorization"]}
        with httpx.Client(base_url=again.url, headers=headers, timeout=10) as client:
            assert client.get("/v1/trust/statement").text == first_token  # stored, not re-made
            admin.revoke(db, jti="after-restart")
            second = accept(client.get("/v1/trust/statement").text, first.state)
    assert second.statement.sequence == first.statement.sequence + 1
    with Session(engine) as s:
        sequences = list(s.exec(select(TrustStatementRecord.seq)).all())
    assert sorted(sequences) == [first.statement.sequence, second.statement.sequence]


def test_an_unchanged_statement_is_re_signed_once_a_refresh_period_passed(
    engine: Engine,
) -> None:
    settings = NationalSettings(statement_lifetime_seconds=7200, statement_refresh_seconds=600)
    start = utc_now()
    with Session(engine) as s:
        first = current_statement(s, settings, start)
        assert current_statement(s, settings, start + timedelta(seconds=599)).seq == first.seq
        later = current_statement(s, settings, start + timedelta(seconds=600))
        assert later.seq == first.seq + 1
        assert later.expires_at - later.issued_at <= timedelta(seconds=7200)
        state = pinned_state(engine)
    payload = decode_compact(later.token, max_length=MAX_STATEMENT).payload
    assert payload["exp"] - payload["iat"] == 7200
    now = start.timestamp() + 600
    assert isinstance(verify_statement(later.token, state, now), Accepted)
    assert refusal(later.token, state, now=now + 7200) is Refusal.EXPIRED
