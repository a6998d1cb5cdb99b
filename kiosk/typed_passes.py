"""Passes typed by a keyboard-wedge scanner: verified as typed, else as the scanner meant them.

A line that fails before its signature could be checked (bad base64url, no such key, a signature
that does not hold) may be a pass typed with the wrong keyboard settings (`kiosk.keyboard_layout`).
Each correction is verified in turn; the first whose signature holds is the pass — valid, or
refused for what it says (expired, revoked, another issuer). A correction cannot make a pass out of
anything else: the signature covers the exact text the national system signed."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.keyboard_layout import Mismatch, attempt_note, corrections
from kiosk.models import Method, Reason, Verification
from kiosk.passes import PassVerifier

log = logging.getLogger(__name__)

_BEFORE_SIGNATURE = frozenset(
    {
        Reason.BAD_ENCODING,
        Reason.MALFORMED,
        Reason.WRONG_TYPE,
        Reason.UNSUPPORTED_ALG,
        Reason.UNKNOWN_KEY,
        Reason.BAD_SIGNATURE,
    }
)
"""Refusals that say nothing of the pass the scanner meant: worth trying a correction."""
_SIGNED = frozenset({Reason.WRONG_ISSUER, Reason.EXPIRED, Reason.NOT_YET_VALID, Reason.REVOKED})
"""Refusals reached only once a signature held: the correction found a real pass."""


@dataclass(frozen=True, slots=True)
class TypedPass:
    """The verification of a typed line, the pass text it was made on, and the keyboard
    settings undone to read it (empty when the line was read as typed)."""

    verification: Verification
    payload: str
    corrected: tuple[Mismatch, ...] = ()

    @property
    def note(self) -> str:
        """The attempt's note: how the pass was read ("" when read as typed)."""
        return attempt_note(self.corrected) if self.corrected else ""


def verify_typed(verifier: PassVerifier, line: str, now: float) -> TypedPass:
    """Verify `line` as typed, and if that fails before the signature, as each correction."""
    as_typed = verifier.verify(line, now)
    if as_typed.ok or as_typed.reason not in _BEFORE_SIGNATURE:
        return TypedPass(as_typed, line)
    for mismatches, meant in corrections(line):
        verification = verifier.verify(meant, now)
        if verification.ok or verification.reason in _SIGNED:
            return TypedPass(verification, meant, mismatches)
    return TypedPass(as_typed, line)


class PassReader:
    """Reads each input as the check-in service needs it: a scanner's typed line as typed, else
    as the scanner meant it; the camera's text as the code holds it. Says once per setting in
    the log that the scanner needs setting up."""

    def __init__(self, verifier: PassVerifier) -> None:
        self.verifier = verifier
        self._warned: set[tuple[Mismatch, ...]] = set()

    def read(self, payload: str, method: Method, now: float) -> TypedPass:
        if method is not Method.WEDGE:
            return TypedPass(self.verifier.verify(payload, now), payload.strip())
        typed = verify_typed(self.verifier, payload.strip(), now)
        if typed.corrected and typed.corrected not in self._warned:
            self._warned.add(typed.corrected)
            log.warning(
                "the keyboard-wedge scanner types with other keyboard settings (%s): passes "
                "are read by undoing them; set the scanner up (`kiosk doctor --scanner`)",
                "+".join(m.value for m in typed.corrected),
            )
        return typed
