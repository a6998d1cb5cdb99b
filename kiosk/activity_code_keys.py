"""The activity code keys this kiosk holds, and the code F7 shows with them.

The sync worker pulls, while online, the delegated code-signing keys for today and tomorrow
(`GET /v1/activity-code-keys`), checks each certificate against the pass keys in force
(`kiosk.activity_code.verify_code_key`) and hands them to `ActivityCodes.keep`: each key goes
to the secret store under `config.secrets.activity_code_key_name(activity, day)` (the seed is a
secret: never in the database, never in a log), and only its name is recorded in the store
(`store.pulled.record_code_key`), because a keyring cannot list its entries: the names are how
keys of past days are found and deleted (`forget_before`).

`ActivityCodes.code` makes the code of the current window from the stored key, offline, with
the server-corrected time the caller passes in (`kiosk.clock.server_now`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from config.secrets import SecretStoreError, activity_code_key_name
from kiosk.activity_code import ActivityCode, ActivityCodeError, ActivityCodeKey, make_activity_code
from kiosk.clock import venue_today
from kiosk.store import Store

log = logging.getLogger("kiosk.activity_codes")


class SecretHolder(Protocol):
    """The part of `config.secrets.SecretStore` the code keys need."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> bool: ...


class Unavailable(StrEnum):
    """Why no code can be shown (the F7 screen says it plainly)."""

    NO_KEY = "no_key"  # no key for this activity today: it arrives with the next sync
    BAD_KEY = "bad_key"  # the stored key cannot be used
    SECRET_STORE = "secret_store"  # the keyring / credential file cannot be read


@dataclass(frozen=True)
class NoCode:
    reason: Unavailable


class ActivityCodes:
    """Activity code keys in the secret store, their names in the store."""

    def __init__(self, store: Store, secrets: SecretHolder) -> None:
        self.store = store
        self.secrets = secrets

    def keep(self, keys: Iterable[ActivityCodeKey], *, at: datetime) -> int:
        """Store each key (the secret) and record its name; returns how many were stored."""
        kept = 0
        for key in keys:
            day = key.day.isoformat()
            name = activity_code_key_name(key.activity_id, day)
            if self.secrets.get(name) != key.to_secret():
                self.secrets.set(name, key.to_secret())
            self.store.pulled.record_code_key(name, key.activity_id, day, at=at)
            kept += 1
        return kept

    def forget_before(self, day: date) -> int:
        """Delete the keys of days before `day` from the secret store; returns how many."""
        gone = 0
        for entry in self.store.pulled.code_keys(before=day.isoformat()):
            self.secrets.delete(entry.name)
            self.store.pulled.forget_code_key(entry.name)
            gone += 1
        return gone

    def key_for(self, activity_id: str, day: date) -> ActivityCodeKey | NoCode:
        try:
            text = self.secrets.get(activity_code_key_name(activity_id, day.isoformat()))
        except SecretStoreError as exc:
            log.warning("activity code key unreadable: %s", exc)
            return NoCode(Unavailable.SECRET_STORE)
        if text is None:
            return NoCode(Unavailable.NO_KEY)
        try:
            return ActivityCodeKey.from_secret(text)
        except ActivityCodeError as exc:
            log.warning("stored activity code key for %s unusable: %s", activity_id, exc)
            return NoCode(Unavailable.BAD_KEY)

    def code(self, activity_id: str, now: datetime) -> ActivityCode | NoCode:
        """The code of the window containing `now` (server-corrected), from the stored key."""
        key = self.key_for(activity_id, venue_today(now))
        if isinstance(key, NoCode):
            return key
        try:
            return make_activity_code(key, now.timestamp())
        except ActivityCodeError:  # another day at the venue than the key's: none for today
            return NoCode(Unavailable.NO_KEY)
