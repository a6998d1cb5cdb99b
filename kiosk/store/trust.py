"""The last good national trust statement and the statements refused since (`store.trust`).

One row holds the statement in force (`TrustStatementRow`, id 1), replaced in one transaction
when a newer one is accepted; the provisioned `trust.jwks_file` is never written. Refusals are
kept with their reason (the newest `MAX_REFUSALS`) for `kiosk doctor` and the coordinator."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kiosk.store.database import Database
from kiosk.store.tables import (
    TrustRefusal,
    TrustStatementRow,
    as_params,
    insert_sql,
    iso,
    select,
)

MAX_REFUSALS = 50


class TrustRecords:
    """`store.trust` of a `kiosk.store.Store`."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def saved(self) -> TrustStatementRow | None:
        """The statement accepted last, or None before the first one."""
        return self._db.row(TrustStatementRow, select(TrustStatementRow, "id = 1"))

    def save_accepted(self, row: TrustStatementRow) -> None:
        """Keep `row` as the statement in force (replacing the previous one)."""
        with self._db.write() as cur:
            cur.execute("DELETE FROM truststatement")
            cur.execute(insert_sql(TrustStatementRow), as_params(replace(row, id=1)))

    def mark_checked(self, at: datetime) -> None:
        """The server served the statement in force again: it is still current."""
        with self._db.write() as cur:
            cur.execute("UPDATE truststatement SET checked_at = ? WHERE id = 1", (iso(at),))

    def record_refusal(self, reason: str, detail: str, at: datetime) -> None:
        with self._db.write() as cur:
            cur.execute(
                "INSERT INTO trustrefusal (at, reason, detail) VALUES (?, ?, ?)",
                (iso(at), reason, detail[:500]),
            )
            cur.execute(
                "DELETE FROM trustrefusal WHERE id NOT IN"
                " (SELECT id FROM trustrefusal ORDER BY id DESC LIMIT ?)",
                (MAX_REFUSALS,),
            )

    def refusals(self, limit: int = 10) -> list[TrustRefusal]:
        """The newest refusals first."""
        sql = select(TrustRefusal, tail="ORDER BY id DESC LIMIT ?")
        return self._db.rows(TrustRefusal, sql, (limit,))
