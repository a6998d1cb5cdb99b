"""What the national system says about a day, read from untrusted JSON: device status lists
and close-out receipts, with hostile and malformed entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kiosk.national import gate_statuses, receipt_counts, unsynced

GATE2 = {
    "device_id": "dev-2",
    "name": "Gate 2\x1b]52;c;AAAA\x07\u202e",
    "disabled": False,
    "last_contact_at": "2026-11-23T01:40:00Z",
    "pending_uploads": 4,
    "pending_reported_at": "2026-11-23T01:40:00+00:00",
    "checkins_received": 12,
    "last_upload_at": None,
    "last_closeout_at": None,
}


def test_device_statuses_are_sanitised_and_malformed_entries_skipped() -> None:
    docs: list[Any] = [
        GATE2,
        {**GATE2, "device_id": "dev-3", "name": "", "pending_uploads": 0},
        {**GATE2, "device_id": "dev-4", "pending_uploads": True, "last_contact_at": "yesterday"},
        {**GATE2, "device_id": "dev-5", "pending_uploads": 9, "disabled": True},
        {"name": "no id"},
        "not an object",
        None,
    ]
    gates = gate_statuses(docs)
    assert [g.device_id for g in gates] == ["dev-2", "dev-3", "dev-4", "dev-5"]
    gate2 = gates[0]
    assert gate2.label == "Gate 2"  # the OSC 52 sequence and the bidi override are gone
    assert gate2.last_contact_at == datetime(2026, 11, 23, 1, 40, tzinfo=UTC)
    assert (gate2.pending_uploads, gate2.checkins_received) == (4, 12)
    assert gates[1].label == "dev-3"  # no name: the device id
    assert (gates[2].pending_uploads, gates[2].last_contact_at) == (None, None)
    assert [g.device_id for g in unsynced(gates)] == ["dev-2"]  # dev-5 is disabled
    assert unsynced(gates, exclude="dev-2") == []
    assert gate_statuses({"devices": docs}) == []


def test_receipt_counts_read_what_is_there_and_nothing_else() -> None:
    receipt = {
        "digest_match": True,
        "device_count": 5,
        "server_count": 4,
        "received_count": 6,
        "rejected_count": 1,
        "rejected_reasons": {"revoked": 1, "\x1b[2Jbad": -3, "ok": "2"},
        "duplicate_count": 1,
        "voided_count": 1,
        "counted_count": 3,
        "combined_unique_count": 9,
        "combined_counted_count": 8,
        "unsynced_devices": [GATE2, {"device_id": "dev-9", "pending_uploads": 0}],
    }
    national = receipt_counts(receipt)
    assert (national.received, national.rejected, national.duplicates) == (6, 1, 1)
    assert (national.counted, national.not_counted, national.combined_counted) == (3, 1, 8)
    assert national.rejected_reasons == {"revoked": 1}
    assert [(g.label, g.pending_uploads) for g in national.unsynced_gates] == [("Gate 2", 4)]
    older = receipt_counts({"digest_match": True, "server_count": 2})
    assert (older.counted, older.not_counted, older.unsynced_gates) == (None, None, ())
    assert receipt_counts(None).digest_match is None
