"""Schemathesis hooks for the contract fuzz: one Idempotency-Key per distinct body.

Generated keys repeat ("0", "00", ...) across different bodies, which the server rightly
answers `422 idempotency-key-reused`. A valid generated key is suffixed with a digest of the
body, so a repeated body with the same key is still a replay; malformed keys stay malformed."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import schemathesis

HEADER = "Idempotency-Key"
_VALID = re.compile(r"[\x21-\x7e]{1,255}")


def keyed_by_body(key: str, body: Any) -> str:
    if _VALID.fullmatch(key) is None:
        return key
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f"{key[:200]}.{digest[:32]}"


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == HEADER.lower() and isinstance(headers[name], str):
            headers[name] = keyed_by_body(headers[name], case.body)
