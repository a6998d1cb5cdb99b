"""Coordinator PIN: salted scrypt hashes and a lock-out gate against guessing.

The PIN itself is never stored or logged; `kiosk provision` stores `hash_pin(pin)` in the
keyring (`config.secrets`, entry `pin_hash`). The encoding is
`scrypt$<n>$<r>$<p>$<salt b64url>$<hash b64url>`.

`PinGate` is what the PIN screen uses: after `max_failures` wrong PINs in a row it locks for
`lockout_seconds`, and each further wrong PIN doubles the lock-out up to `lockout_max_seconds`.
A correct PIN resets it. The clock is injected (monotonic seconds) so tests need no sleeps and
a wall-clock change cannot shorten a lock-out while the kiosk runs.

The failures and the lock-out deadline outlive the process through a `LockoutMemory` (the
kiosk's database, `kiosk.store.Store.pin_lockout`): a restart, a crash or a systemd restart
does not give a guesser a fresh start. Across a restart the deadline is wall-clock time
(monotonic time restarts with the machine), never trusted for longer than the longest
lock-out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from config.schema import CoordinatorSection

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # ~16 MiB, ~50 ms on a Raspberry Pi 4
_MAX_N = 2**20  # refuse hashes whose parameters would exhaust memory or time
_DKLEN = 32


class PinPolicyError(ValueError):
    """A PIN that does not meet the policy (message says what is expected)."""


def check_pin_policy(pin: str, *, min_length: int = 4, max_length: int = 12) -> str:
    """The PIN if acceptable: ASCII digits only, `min_length`..`max_length` long, not trivial."""
    if not (pin.isascii() and pin.isdigit()):
        raise PinPolicyError("the PIN must contain digits 0-9 only")
    if not min_length <= len(pin) <= max_length:
        raise PinPolicyError(f"the PIN must have {min_length} to {max_length} digits")
    if len(set(pin)) == 1 or pin in "0123456789012" or pin in "9876543210987":
        raise PinPolicyError("the PIN is too easy to guess (repeated or sequential digits)")
    return pin


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def hash_pin(pin: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """A salted scrypt hash with its parameters encoded (a new random salt each call)."""
    if not pin:
        raise ValueError("empty PIN")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_maxmem(n, r)
    )
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def _maxmem(n: int, r: int) -> int:
    return 128 * r * n + 4 * 1024 * 1024


def verify_pin(pin: str, encoded: str) -> bool:
    """True when `pin` matches `encoded` (constant-time comparison; malformed hash: False)."""
    try:
        scheme, n_s, r_s, p_s, salt_s, digest_s = encoded.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        if scheme != SCHEME or not (2 <= n <= _MAX_N and n & (n - 1) == 0):
            return False
        if not (1 <= r <= 32 and 1 <= p <= 16):
            return False
        salt = base64.urlsafe_b64decode(salt_s)
        expected = base64.urlsafe_b64decode(digest_s)
        if not 16 <= len(expected) <= 64:
            return False
        actual = hashlib.scrypt(
            pin.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=_maxmem(n, r),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


class PinCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"  # not even checked: the gate is locked


@dataclass(frozen=True, slots=True)
class PinAttempt:
    result: PinCheck
    failures: int  # consecutive wrong PINs so far
    locked_for: float  # seconds until the next attempt is accepted (0: not locked)

    @property
    def ok(self) -> bool:
        return self.result is PinCheck.OK


@dataclass(frozen=True, slots=True)
class LockoutState:
    """What a `PinGate` remembers across restarts."""

    failures: int = 0  # consecutive wrong PINs
    locked_until: float = 0.0  # wall-clock seconds since the epoch; 0: not locked


class LockoutMemory(Protocol):
    """Where a `PinGate` keeps its `LockoutState` (the kiosk database). `load` and `save` do
    not raise: a memory that cannot be read or written logs why and keeps the gate working."""

    def load(self) -> LockoutState: ...

    def save(self, state: LockoutState) -> None: ...


class PinGate:
    """Checks PINs against a stored hash with lock-out and exponential back-off.

    `hash_source` is called on each attempt (the hash may change after re-provisioning);
    None means no PIN was provisioned, and every attempt is wrong. With a `memory` the
    failures and the lock-out survive a restart; `wall` is its clock (epoch seconds).
    """

    def __init__(
        self,
        hash_source: Callable[[], str | None],
        *,
        max_failures: int = 5,
        lockout_seconds: float = 30.0,
        lockout_max_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        verify: Callable[[str, str], bool] = verify_pin,
        memory: LockoutMemory | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if max_failures < 1 or lockout_seconds <= 0 or lockout_max_seconds < lockout_seconds:
            raise ValueError("need max_failures >= 1 and 0 < lockout_seconds <= lockout_max")
        self._hash_source = hash_source
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.lockout_max_seconds = lockout_max_seconds
        self._clock = clock
        self._verify = verify
        self._memory = memory
        self._wall = wall
        self._failures = 0
        self._locked_until = 0.0
        if memory is not None:
            self._recall(memory.load())

    def _recall(self, state: LockoutState) -> None:
        """Resume a remembered lock-out: at most `lockout_max_seconds` from now, so a wall
        clock set far ahead at the last failure cannot lock the coordinator out for days."""
        self._failures = max(0, state.failures)
        remaining = min(self.lockout_max_seconds, state.locked_until - self._wall())
        if remaining > 0:
            self._locked_until = self._clock() + remaining

    def _remember(self) -> None:
        if self._memory is None:
            return
        remaining = self.locked_for()
        until = self._wall() + remaining if remaining > 0 else 0.0
        self._memory.save(LockoutState(self._failures, until))

    @classmethod
    def from_config(
        cls,
        section: CoordinatorSection,
        hash_source: Callable[[], str | None],
        *,
        memory: LockoutMemory | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> PinGate:
        """A gate with the config's `[coordinator]` policy, e.g.
        `PinGate.from_config(config.coordinator, lambda: secrets.pin_hash,
        memory=store.pin_lockout)`."""
        return cls(
            hash_source,
            max_failures=section.max_failures,
            lockout_seconds=section.lockout_seconds,
            lockout_max_seconds=section.lockout_max_seconds,
            clock=clock,
            memory=memory,
            wall=wall,
        )

    @property
    def failures(self) -> int:
        return self._failures

    def locked_for(self) -> float:
        """Seconds left in the current lock-out (0 when attempts are accepted)."""
        return max(0.0, self._locked_until - self._clock())

    def _lockout(self) -> float:
        extra = self._failures - self.max_failures
        if extra < 0:
            return 0.0
        return min(self.lockout_max_seconds, self.lockout_seconds * 2.0 ** min(extra, 32))

    def attempt(self, pin: str) -> PinAttempt:
        remaining = self.locked_for()
        if remaining > 0:
            return PinAttempt(PinCheck.LOCKED, self._failures, remaining)
        stored = self._hash_source()
        if stored is not None and self._verify(pin, stored):
            self.reset()
            return PinAttempt(PinCheck.OK, 0, 0.0)
        self._failures += 1
        lockout = self._lockout()
        if lockout > 0:
            self._locked_until = self._clock() + lockout
        self._remember()
        return PinAttempt(PinCheck.WRONG, self._failures, lockout)

    def reset(self) -> None:
        self._failures = 0
        self._locked_until = 0.0
        self._remember()
