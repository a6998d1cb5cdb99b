"""The trust statement (`GET /v1/trust/statement`): pass keys and revocations, anchor-signed.

A compact JWS, header `{"alg": "EdDSA", "typ": "furusato-trust+jwt", "kid": <anchor
thumbprint>, "jwk": <anchor public JWK>}`, payload

    {"iss": "furusato-national", "v": 1, "seq": N, "iat": ..., "exp": ...,
     "jwks": {"keys": [...every pass-signing key...]},
     "revocations": {"jti": [...], "sub": [...], "through": "<last revocation cursor>"},
     "anchor_announcement": "<furusato-anchor+jwt>"}     (only around an anchor rotation)

The revocation lists are complete (every revocation ever made, in revocation order), so one
statement is a whole signed view; `through` is the `/v1/revocations` cursor it covers.

Statements are stored with their sequence number as the primary key. The same statement is
served again while nothing changed and it is younger than the refresh period; a change (key
rotation or removal, a revocation, an anchor announcement or switch) or age gives the next
sequence number, so sequences only grow and a kiosk can refuse anything not newer.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from sync.server.jws import sign_compact
from sync.server.keys import ensure_signing_key, jwks
from sync.server.passes import ISSUER
from sync.server.settings import NationalSettings
from sync.server.tables import Revocation, TrustStatementRecord
from sync.server.trust_anchor import anchor_jwk, anchor_signer, current_anchor, next_anchor

STATEMENT_TYPE = "furusato-trust+jwt"
STATEMENT_MEDIA_TYPE = "application/jose"


def _revocations(session: Session) -> dict[str, Any]:
    rows = session.exec(select(Revocation).order_by(col(Revocation.seq))).all()
    through = rows[-1].seq if rows else 0
    return {
        "jti": [r.value for r in rows if r.kind == "jti"],
        "sub": [r.value for r in rows if r.kind == "sub"],
        "through": str(through),
    }


def statement_parts(session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and the content (payload without seq/iat/exp) as they are now."""
    anchor = current_anchor(session)
    jwk = anchor_jwk(anchor)
    header = {
        "alg": "EdDSA",
        "typ": STATEMENT_TYPE,
        "kid": anchor.kid,
        "jwk": {k: jwk[k] for k in ("kty", "crv", "x")},
    }
    ensure_signing_key(session)  # never a statement without a pass key
    content: dict[str, Any] = {"jwks": jwks(session), "revocations": _revocations(session)}
    upcoming = next_anchor(session)
    # The next anchor's announcement (signed by this anchor), else this anchor's own (signed by
    # its predecessor: the proof for kiosks that missed the announcement).
    announcement = upcoming.announcement if upcoming is not None else anchor.announcement
    if announcement:
        content["anchor_announcement"] = announcement
    return header, content


def _digest(header: dict[str, Any], content: dict[str, Any]) -> str:
    canonical = json.dumps({"h": header, "c": content}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def latest_statement(session: Session) -> TrustStatementRecord | None:
    query = select(TrustStatementRecord).order_by(col(TrustStatementRecord.seq).desc()).limit(1)
    return session.exec(query).first()


def current_statement(
    session: Session, settings: NationalSettings, now: datetime
) -> TrustStatementRecord:
    """The statement to serve now: the latest one, or a new one when it is out of date.

    Call under the server's write lock; a concurrent writer in another process makes the
    insert fail on the sequence number (IntegrityError) and the caller tries again."""
    header, content = statement_parts(session)
    digest = _digest(header, content)
    latest = latest_statement(session)
    refresh = timedelta(seconds=settings.statement_refresh_seconds)
    if (
        latest is not None
        and latest.content_hash == digest
        and latest.issued_at <= now < latest.issued_at + refresh
        and now < latest.expires_at
    ):
        return latest
    seq = latest.seq + 1 if latest is not None else 1
    iat = int(now.timestamp())
    exp = iat + settings.statement_lifetime_seconds
    payload = {"iss": ISSUER, "v": 1, "seq": seq, "iat": iat, "exp": exp, **content}
    anchor = current_anchor(session)
    row = TrustStatementRecord(
        seq=seq,
        anchor_kid=anchor.kid,
        content_hash=digest,
        token=sign_compact(header, payload, anchor_signer(anchor)),
        issued_at=now,
        expires_at=datetime.fromtimestamp(exp, UTC),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def statement_etag(token: str) -> str:
    return '"' + hashlib.sha256(token.encode("ascii")).hexdigest()[:32] + '"'
