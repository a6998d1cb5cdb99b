"""The close-out shows the national system's gate + app counts of the whole activity beside
the receipt, and how old the trust list in force is."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from kiosk.store.tables import TrustStatementRow
from kiosk.trust_keeper import TrustStatus
from tests.ui.coordinator.conftest import ACTIVITY_ID, SIZE, Day, HostApp
from tests.ui.coordinator.test_closeout_screen import press, settle, text_of, unlock


async def test_gate_and_app_counts_side_by_side_and_the_trust_list(day: Day) -> None:
    """The close-out fetches the national counts (gate + app) and checks them with the
    receipt; the trust list in force and its age are on the same screen."""
    counts = {"total": 9, "gate": 6, "app": 3, "digest": "ab" * 32}
    counts["by_method"] = {"camera": 5, "wedge": 0, "manual": 0, "paper": 1, "app": 3}

    def submit(payload: dict[str, object]) -> dict[str, object]:
        return {
            "receipt_id": "0b4f6f8e-1111-4222-8333-944445555666",
            "digest_match": True,
            "combined_unique_count": 9,
            "app_count": 3,
            "by_method": counts["by_method"],
            "activity_digest": counts["digest"],
        }

    issued = day.clock.now() - timedelta(hours=3)
    statement = TrustStatementRow(
        token="t",
        state="{}",
        pins="p",
        sequence=42,
        anchor="AbCdEfGh" * 5 + "abc",
        issued_at=int(issued.timestamp()),
        expires_at=int((issued + timedelta(days=7)).timestamp()),
        key_count=2,
        revocation_count=0,
        accepted_at=issued.isoformat(),
        checked_at=issued.isoformat(),
    )
    fetched: list[str] = []

    def fetch(activity_id: str) -> dict[str, object]:
        fetched.append(activity_id)
        return counts

    app = HostApp(day, language="en", submit=submit)
    app.context.fetch_counts = fetch
    app.context.trust_status = lambda: TrustStatus.of(True, statement, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await unlock(pilot)
        assert fetched == [ACTIVITY_ID]  # fetched on unlock
        national = text_of(screen.query_one("#coord-national", Static))
        assert national == "National: gate 6 · app 3 · total 9 (at 11:30)"  # the kiosk clock
        trust = text_of(screen.query_one("#coord-trust", Static))
        assert trust == "Trust list #42 · issued 3 h ago · valid 6 d more"
        live = day.store.records.checkins(ACTIVITY_ID, include_voided=False)
        day.store.outbox.apply_results([(c.id, "accepted", None) for c in live], at=day.clock.now())
        await pilot.press("c")
        await pilot.pause()
        await press(pilot, "#confirm-yes")
        await settle(pilot)
        national = text_of(screen.query_one("#coord-national", Static))
        assert national.endswith("· matches the receipt")
        assert fetched == [ACTIVITY_ID, ACTIVITY_ID]  # and again at the close-out
        app.language = "ja"
        await settle(pilot)
        assert text_of(screen.query_one("#coord-national", Static)).startswith(
            "全国集計 ゲート 6・アプリ 3・計 9"
        )
