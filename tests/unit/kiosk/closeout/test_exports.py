"""Exports: CSV round trip in both encodings, formula injection, the record-form layout,
the printable summary, and `kiosk export` end to end."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.main import main
from kiosk.checkins import CheckinService
from kiosk.clock import JST, FixedClock
from kiosk.closeout import close_day, effective_time
from kiosk.exports import (
    COLUMNS,
    REPLACEMENT,
    ExportFormat,
    export_day,
    export_filename,
    neutralise,
)
from kiosk.exports.cells import encode_text, unneutralise, width
from kiosk.exports.record_form import TITLE, wareki
from kiosk.exports.words import METHODS, OPERATORS, TIERS, word
from kiosk.models import Method, mask_registrant
from kiosk.new_checkins import manual_checkin
from kiosk.store import Store
from tests.passkit import PassKit
from tests.unit.kiosk.closeout.conftest import ACTIVITY_ID, DAY, accept

GENERATED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOSTILE = ["=cmd|' /C calc'!A0", "+81-3-1234-5678", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1"]


def parse(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def fill(service: CheckinService, kit: PassKit, clock: FixedClock) -> list[str]:
    ids = []
    for n in range(4):
        ids.append(accept(service, kit, f"FR000000000{n}", tier="basic" if n % 2 else "premium"))
        clock.advance(900)
    service.store.corrections.void(ids[3], reason="mistake", operator="coord", at=clock.now())
    paper = manual_checkin(
        ACTIVITY_ID, None, method=Method.PAPER, operator="=HYPERLINK()", clock=clock
    )
    stored = service.store.records.add_manual(
        paper, reason="paper form", paper=("髙橋 𠮷子", "090-1234-5678", "鎌倉市")
    )
    assert stored.checkin_id is not None
    ids.append(stored.checkin_id)
    return ids


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_attendance_csv_round_trip_matches_the_database(
    service: CheckinService, kit: PassKit, clock: FixedClock, encoding: str
) -> None:
    fill(service, kit, clock)
    result = export_day(service.store, DAY, "csv", encoding=encoding, generated_at=GENERATED)
    if encoding == "utf-8-sig":
        assert result.data.startswith(b"\xef\xbb\xbf")
    header, *rows = parse(result.data, encoding)
    assert header == [label for _, label in COLUMNS]
    live = service.store.records.checkins(ACTIVITY_ID, include_voided=False)
    assert result.rows == len(rows) == len(live) == 4
    by_id = {c.id: c for c in live}
    keys = [k for k, _ in COLUMNS]
    for row in rows:
        cell = dict(zip(keys, (unneutralise(v) for v in row), strict=True))
        c = by_id[cell["checkin_id"]]
        assert cell["activity_id"] == ACTIVITY_ID
        assert cell["activity_name"] == "浜辺の清掃活動"
        assert cell["activity_date"] == DAY
        assert cell["registrant"] == ("" if c.method == "paper" else mask_registrant(c.registrant))
        assert cell["tier_code"] == (c.tier or "")
        assert cell["tier"] == word(TIERS, c.tier or "")  # a word, the code in its own column
        assert cell["method_code"] == c.method
        assert cell["method"] == METHODS[c.method]
        assert datetime.fromisoformat(cell["checked_in_at"]) == effective_time(c)
        assert cell["checked_in_at"].endswith("+09:00")
        assert cell["operator"] == word(OPERATORS, c.operator)
        assert cell["sync_status_code"] == "pending"
        assert cell["sync_status"] == "未送信"
    assert result.replaced == 0  # nothing in this CSV is outside cp932


def test_full_ids_on_request(service: CheckinService, kit: PassKit) -> None:
    accept(service, kit, "FR7K3M9Q2XPD")
    masked = export_day(service.store, DAY, generated_at=GENERATED).data.decode("utf-8-sig")
    full = export_day(service.store, DAY, full_ids=True, generated_at=GENERATED).data
    assert "FR7K3M****PD" in masked
    assert "FR7K3M9Q2XPD" not in masked
    assert "FR7K3M9Q2XPD" in full.decode("utf-8-sig")


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_injection_is_neutralised(text: str) -> None:
    cell = neutralise(text)
    assert cell.startswith("'")
    assert "\t" not in cell
    assert "\r" not in cell


def test_harmless_cells_are_unchanged() -> None:
    for text in ["浜辺の清掃", "2026-11-23", "FR7K3M****PD", "", "a=b", "it's"]:
        assert neutralise(text) == text
    assert neutralise(None) == ""
    assert neutralise(3) == "3"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_form_layout_with_paper_records_and_hostile_names(
    service: CheckinService, kit: PassKit, clock: FixedClock, encoding: str
) -> None:
    accept(service, kit, "FR0000000001")
    for n, hostile in enumerate(HOSTILE):
        new = manual_checkin(ACTIVITY_ID, None, method=Method.PAPER, operator="coord", clock=clock)
        service.store.records.add_manual(
            new, reason="paper", paper=(hostile, f"=tel{n}", "〜横浜市")
        )
    result = export_day(service.store, DAY, "form", encoding=encoding, generated_at=GENERATED)
    rows = parse(result.data, encoding)
    assert rows[0] == [TITLE]
    assert rows[1] == ["活動名", "浜辺の清掃活動"]
    assert rows[2] == ["実施日", DAY, "令和8年11月23日"]
    assert rows[3] == ["実施団体（主催者）", "由比ヶ浜地域運営組織"]
    assert rows[4] == ["実施場所", "由比ヶ浜海岸"]
    assert rows[8][:5] == ["No.", "氏名", "連絡先", "登録市区町村", "ふるさと住民ID"]
    participants = rows[9:-2]
    assert len(participants) == 1 + len(HOSTILE)
    assert rows[-2] == ["参加者数", str(1 + len(HOSTILE))]
    # app self check-ins are the national system's record: their number, once fetched
    assert rows[-1] == ["アプリでの本人受付（全国システム集計）", "全国システムで集計（未取得）"]
    for row in participants:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "＝"))
    names = {row[1] for row in participants if row[1]}
    assert {unneutralise(n) for n in names} == {h.lstrip("\t\r") for h in HOSTILE}
    # WAVE DASH has a cp932 equivalent (FULLWIDTH TILDE), so no replacement marker is needed
    assert {row[3] for row in participants if row[3]} == (
        {"～横浜市"} if encoding == "cp932" else {"〜横浜市"}
    )


def test_cp932_marks_characters_it_lacks_instead_of_failing(
    service: CheckinService, kit: PassKit, clock: FixedClock
) -> None:
    fill(service, kit, clock)  # the paper name has 𠮷 (not in cp932)
    result = export_day(service.store, DAY, "form", encoding="cp932", generated_at=GENERATED)
    assert result.replaced == 1
    text = result.data.decode("cp932")
    assert f"髙橋 {REPLACEMENT}子" in text  # 髙 is an IBM extension that cp932 has
    utf8 = export_day(service.store, DAY, "form", generated_at=GENERATED)
    assert "髙橋 𠮷子" in utf8.data.decode("utf-8-sig")
    assert encode_text("🙂", "cp932").data.decode("cp932") == REPLACEMENT
    with pytest.raises(ValueError, match="encoding"):
        encode_text("x", "latin-1")


def test_day_summary_for_a4(service: CheckinService, kit: PassKit, clock: FixedClock) -> None:
    ids = fill(service, kit, clock)
    service.store.outbox.apply_results([(i, "accepted", None) for i in ids], at=clock.now())
    receipt = {
        "receipt_id": "rcpt-1",
        "digest_match": True,
        "device_count": 4,
        "server_count": 4,
        "combined_unique_count": 9,
        "received_at": "2026-11-23T03:00:00Z",
        "server_digest": "ab" * 32,
        "app_count": 5,
        "by_method": {"camera": 3, "wedge": 0, "manual": 0, "paper": 1, "app": 5},
        "activity_digest": "cd" * 32,
    }
    counts = {
        "total": 9,
        "gate": 4,
        "app": 5,
        "by_method": receipt["by_method"],
        "digest": "cd" * 32,
    }
    closed = close_day(
        service.store,
        ACTIVITY_ID,
        "coord",
        clock,
        lambda payload: receipt,
        fetch_counts=lambda _id: counts,
    )
    assert closed.describe_activity_counts() == (
        "national counts: gate 4, app 5, total 9; receipt matches"
    )
    text = export_day(service.store, DAY, "summary", generated_at=GENERATED).data.decode(
        "utf-8-sig"
    )
    assert closed.digest in text
    assert "rcpt-1" in text
    assert any(
        ln.startswith("  全端末の参加者数") and ln.endswith(" 9") for ln in text.splitlines()
    )
    assert "一致 / match" in text
    assert "2026-11-23T12:00:00+09:00" in text  # the receipt's time, in JST
    assert "令和8年11月23日" in text
    assert "09:00" in text
    lines = text.splitlines()
    for label, value in (
        ("ゲート受付・全端末 (gate, all kiosks)", "4"),
        ("アプリ本人受付 (registrant app)", "5"),
        ("合計 (total)", "9"),
        ("受領証との照合 (matches receipt)", "一致 / match"),
    ):
        assert any(label in ln and ln.endswith(f" {value}") for ln in lines), label
    assert max(width(line) for line in lines) <= 80
    assert all(line == line.rstrip() for line in lines)
    assert len(lines) <= 66  # one A4 page at 6 lines per inch


def test_summary_of_an_open_day_and_no_activity(service: CheckinService, kit: PassKit) -> None:
    accept(service, kit, "FR0000000001")
    text = export_day(service.store, DAY, "summary", generated_at=GENERATED).data.decode(
        "utf-8-sig"
    )
    assert "未締め / open" in text
    empty = export_day(service.store, "2026-01-01", "summary", generated_at=GENERATED)
    assert "no activity" in empty.data.decode("utf-8-sig")


def test_filename_and_wareki() -> None:
    assert export_filename(DAY, ExportFormat.CSV) == "furusato-2026-11-23-attendance.csv"
    assert (
        export_filename(DAY, "form", "act/../浜") == "furusato-2026-11-23-act_____-record-form.csv"
    )
    assert export_filename(DAY, "summary", "a1") == "furusato-2026-11-23-a1-summary.txt"
    assert wareki("2019-05-01") == "令和元年5月1日"
    assert wareki("2019-04-30") == ""
    assert wareki("bad") == ""


# -- kiosk export -------------------------------------------------------------------------------


def seeded(config_file: Path, kit: PassKit) -> Store:
    from cli.compose import build_services, read_config

    services = build_services(read_config(config_file), clock=FixedClock(datetime.now(JST)))
    now = int(datetime.now(UTC).timestamp())
    token = kit.sign(sub="FR0000000007", iat=now - 60, exp=now + 3600)
    services.checkins.submit(token, Method.WEDGE)
    return services.store


def today() -> str:
    return datetime.now(JST).date().isoformat()


def test_kiosk_export_writes_a_file(
    config_file: Path, kit: PassKit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = seeded(config_file, kit)
    activity = store.activities.get("act-2026-11-23-beach")
    store.close()
    assert activity is not None
    out = tmp_path / "out.csv"
    status = main(
        [
            "export",
            "--config",
            str(config_file),
            "--date",
            activity.date,
            "--encoding",
            "cp932",
            "--output",
            str(out),
            "--full-ids",
        ]
    )
    assert status == 0
    rows = parse(out.read_bytes(), "cp932")
    assert rows[1][4] == "FR0000000007"
    assert out.stat().st_mode & 0o777 == 0o600
    assert "1 participation(s)" in capsys.readouterr().err


def test_kiosk_export_to_stdout_is_binary_safe(
    config_file: Path, kit: PassKit, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    store = seeded(config_file, kit)
    activity = store.activities.get("act-2026-11-23-beach")
    store.close()
    assert activity is not None
    status = main(
        [
            "export",
            "--config",
            str(config_file),
            "--date",
            activity.date,
            "--format",
            "form",
            "--encoding",
            "cp932",
        ]
    )
    assert status == 0
    data = capsysbinary.readouterr().out
    assert data.decode("cp932").startswith(TITLE)


def test_kiosk_export_errors(
    config_file: Path, kit: PassKit, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--config", str(config_file), "--date", "23/11/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["export", "--config", str(config_file), "--date", "2026-01-01"]) == 1
    assert "no database" in capsys.readouterr().err
    seeded(config_file, kit).close()
    assert main(["export", "--config", str(config_file), "--date", "2026-01-01"]) == 1
    assert "no activity on 2026-01-01" in capsys.readouterr().err
