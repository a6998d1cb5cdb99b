"""The national trust anchor pinned at provisioning, and what the kiosk remembers between pulls.

A pin is the anchor's Ed25519 public key (from `[trust] anchor_file`: a JWK, or a JWK Set of
one or more keys) or only its RFC 7638 thumbprint (`[trust] anchor_thumbprint`); with a
thumbprint, the key itself arrives in the header (`jwk`) of the first statement and is trusted
only when its thumbprint equals the pin.

`TrustState` is what `kiosk.trust.verify_statement` needs from one pull to the next: the anchors
(the current one first, then one announced as its successor) and the last accepted sequence
number. It is public data (keys and a number, no secret); keep it beside the last good
statement, apart from the provisioned files (`to_json` / `TrustState.from_json`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.jws import JwsError, jwk_thumbprint, loads_limited, okp_public_key, public_jwk

THUMBPRINT_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256 digest
MAX_ANCHOR_FILE = 64 * 1024
STATE_VERSION = 1


class TrustAnchorError(ValueError):
    """An anchor file, thumbprint or saved trust state that cannot be used; says why."""


@dataclass(frozen=True)
class AnchorPin:
    """One trusted anchor: its thumbprint, and its key once known."""

    thumbprint: str
    key: Ed25519PublicKey | None = None

    @classmethod
    def from_key(cls, key: Ed25519PublicKey) -> AnchorPin:
        return cls(public_jwk(key)["kid"], key)

    @classmethod
    def from_thumbprint(cls, thumbprint: str) -> AnchorPin:
        if THUMBPRINT_RE.fullmatch(thumbprint) is None:
            raise TrustAnchorError(
                "an anchor thumbprint is 43 base64url characters (RFC 7638, SHA-256)"
            )
        return cls(thumbprint)

    def to_json(self) -> dict[str, str]:
        if self.key is None:
            return {"thumbprint": self.thumbprint}
        return public_jwk(self.key)


def anchor_pins_from_document(document: object) -> tuple[AnchorPin, ...]:
    """Pins from a parsed anchor file: a JWK or a JWK Set ({"keys": [...]})."""
    jwks = document.get("keys") if isinstance(document, dict) and "keys" in document else None
    entries: list[Any] = jwks if isinstance(jwks, list) else [document]
    pins: list[AnchorPin] = []
    for index, entry in enumerate(entries):
        try:
            key = okp_public_key(entry)
        except (JwsError, ValueError) as exc:
            raise TrustAnchorError(f"anchor key {index}: {exc} (expected OKP/Ed25519)") from None
        pin = AnchorPin.from_key(key)
        kid = entry.get("kid")
        if kid is not None and kid != pin.thumbprint:
            raise TrustAnchorError(
                f"anchor key {index}: kid {kid!r} is not its thumbprint {pin.thumbprint}"
            )
        pins.append(pin)
    if not pins:
        raise TrustAnchorError("the anchor file has no key")
    return tuple(pins)


def load_anchor_file(path: Path) -> tuple[AnchorPin, ...]:
    """Pins from `[trust] anchor_file` (as `national-api anchor export` writes it)."""
    try:
        data = path.read_bytes()
        document = loads_limited(data, max_bytes=MAX_ANCHOR_FILE, max_depth=4)
    except OSError as exc:
        raise TrustAnchorError(f"cannot read anchor file {path}: {exc.strerror}") from None
    except JwsError as exc:
        raise TrustAnchorError(f"anchor file {path}: {exc}") from None
    try:
        return anchor_pins_from_document(document)
    except TrustAnchorError as exc:
        raise TrustAnchorError(f"anchor file {path}: {exc}") from None


def configured_pins(
    anchor_file: Path | None, anchor_thumbprint: str | None
) -> tuple[AnchorPin, ...]:
    """The pins the `[trust]` section names (empty when it names none)."""
    pins: list[AnchorPin] = []
    if anchor_file is not None:
        pins.extend(load_anchor_file(anchor_file))
    if anchor_thumbprint is not None:
        pins.append(AnchorPin.from_thumbprint(anchor_thumbprint))
    return tuple(pins)


@dataclass(frozen=True)
class TrustState:
    """Anchors trusted now (current first, then an announced successor) and the last sequence."""

    anchors: tuple[AnchorPin, ...]
    sequence: int = 0

    @classmethod
    def initial(cls, pins: Iterable[AnchorPin]) -> TrustState:
        pins = tuple(pins)
        if not pins:
            raise TrustAnchorError("no trust anchor pinned: set [trust] anchor_file")
        return cls(pins, 0)

    def find(self, thumbprint: str) -> AnchorPin | None:
        return next((pin for pin in self.anchors if pin.thumbprint == thumbprint), None)

    def to_json(self) -> str:
        anchors = [pin.to_json() for pin in self.anchors]
        body = {"v": STATE_VERSION, "sequence": self.sequence, "anchors": anchors}
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrustState:
        try:
            doc = loads_limited(text.encode("utf-8"), max_bytes=MAX_ANCHOR_FILE, max_depth=4)
        except JwsError as exc:
            raise TrustAnchorError(f"saved trust state: {exc}") from None
        if not isinstance(doc, dict) or doc.get("v") != STATE_VERSION:
            raise TrustAnchorError("saved trust state: not a version-1 state object")
        sequence, anchors = doc.get("sequence"), doc.get("anchors")
        if type(sequence) is not int or sequence < 0 or not isinstance(anchors, list):
            raise TrustAnchorError("saved trust state: bad sequence or anchors")
        pins: list[AnchorPin] = []
        for entry in anchors:
            if isinstance(entry, dict) and set(entry) == {"thumbprint"}:
                thumbprint = entry["thumbprint"]
                if not isinstance(thumbprint, str):
                    raise TrustAnchorError("saved trust state: bad thumbprint")
                pins.append(AnchorPin.from_thumbprint(thumbprint))
            else:
                pins.extend(anchor_pins_from_document(entry))
        return cls.initial(pins).with_sequence(sequence)

    def with_sequence(self, sequence: int) -> TrustState:
        return TrustState(self.anchors, sequence)


def thumbprint_of(jwk: object) -> str | None:
    """The RFC 7638 thumbprint of an OKP JWK, or None when it is not one."""
    if not isinstance(jwk, dict):
        return None
    try:
        okp_public_key(jwk)
        return jwk_thumbprint(jwk)
    except (JwsError, ValueError):
        return None
