"""The printable day summary: plain UTF-8 (or cp932) text laid out for A4 portrait at about
80 monospaced columns, one page per activity (pages separated by form feeds). No PDF library
is bundled; print it from any editor or with `lp`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from kiosk.clock import JST
from kiosk.closeout import DaySummary
from kiosk.exports.attendance import checked_in_at, registrant_cell
from kiosk.exports.cells import pad, width
from kiosk.exports.record_form import wareki
from kiosk.exports.words import METHODS, REASONS, SERVER_REASONS, word
from kiosk.store.tables import Checkin
from kiosk.text import sanitize

PAGE_WIDTH = 78
BAR_WIDTH = 40
LABEL_WIDTH = 40
LIST_MAX = 20


def _line(label: str, value: object) -> str:
    return f"  {pad(label, LABEL_WIDTH)} {value}".rstrip()


def _rule(char: str = "-") -> str:
    return char * PAGE_WIDTH


def _center(text: str) -> str:
    return " " * max(0, (PAGE_WIDTH - width(text)) // 2) + text


def _time(value: object) -> str:
    if not isinstance(value, str):
        return "" if value is None else sanitize(str(value), 60)
    try:
        return datetime.fromisoformat(value).astimezone(JST).isoformat(timespec="seconds")
    except ValueError:
        return sanitize(value, 60)


def _share(summary: DaySummary) -> str:
    share = summary.premium_share
    if share is None:
        return "—"
    return f"{share * 100:.1f}% ({summary.counts.premium}/{summary.counts.accepted})"


def _receipt_lines(summary: DaySummary) -> list[str]:
    receipt = summary.receipt
    if receipt is None:
        state = "未受領（オフラインまたは未送信） / not received yet" if summary.closed else "—"
        return [_line("受領証 (server receipt)", state)]

    def text(key: str) -> str:
        return sanitize(str(receipt.get(key, "")), 80)

    match = receipt.get("digest_match")
    national = summary.national
    lines = [
        _line("受領番号 (receipt id)", text("receipt_id")),
        _line("受領日時 (received at)", _time(receipt.get("received_at"))),
        _line("ダイジェスト照合 (digest match)", "一致 / match" if match else "不一致 / MISMATCH"),
        _line(
            "端末件数 / サーバ件数 (device/server)",
            f"{text('device_count')} / {text('server_count')}",
        ),
        _line("全端末の参加者数 (all kiosks, unique)", text("combined_unique_count")),
    ]
    numbers = (
        ("サーバ受信 (received from this gate)", national.received),
        ("  うち不受理 (rejected)", national.rejected),
        ("  うち他端末で記録済 (duplicates)", national.duplicates),
        ("  うち取消 (voided)", national.voided),
        ("集計対象 (counted toward premium)", national.counted),
        ("全端末の集計対象 (all kiosks, counted)", national.combined_counted),
    )
    lines += [_line(label, n) for label, n in numbers if n is not None]
    lines += [_line(f"  - {reason}", n) for reason, n in sorted(national.rejected_reasons.items())]
    if national.unsynced_gates:
        lines.append(_line("未同期の端末 (gates not synced)", len(national.unsynced_gates)))
        lines += [
            f"    {sanitize(g.label, 40)}  {g.pending_uploads} 件未送信 / pending"
            for g in national.unsynced_gates
        ]
    return [
        *lines,
        _line("サーバ側ダイジェスト (server digest)", ""),
        f"    {text('server_digest')}",
    ]


def _activity_count_lines(summary: DaySummary) -> list[str]:
    """Gate and app check-ins at the whole activity, as the national system counts them."""
    national = summary.activity_counts
    if national is None:
        return [_line("全国システム集計 (national counts)", "未取得 / not fetched")]
    match = summary.counts_match_receipt
    agreed = {True: "一致 / match", False: "不一致 / differs", None: "—"}[match]
    return [
        _line(
            "全国システム集計 (national counts)", f"{_time(national.fetched_at.isoformat())} 時点"
        ),
        _line("  ゲート受付・全端末 (gate, all kiosks)", national.gate),
        _line("  アプリ本人受付 (registrant app)", national.app),
        _line("  合計 (total)", national.total),
        _line("  受領証との照合 (matches receipt)", agreed),
    ]


def _listed(title: str, checkins: Sequence[Checkin], detail: Callable[[Checkin], str]) -> list[str]:
    """A titled list of check-ins (time, masked registrant, detail), at most `LIST_MAX`."""
    if not checkins:
        return []
    lines = [_line(title, len(checkins))]
    for checkin in checkins[:LIST_MAX]:
        who = registrant_cell(checkin.registrant, full_ids=False) or checkin.method
        lines.append(f"    {checked_in_at(checkin)[11:19]}  {who:<12}  {detail(checkin)}".rstrip())
    if len(checkins) > LIST_MAX:
        lines.append(f"    … +{len(checkins) - LIST_MAX}")
    return lines


def _first(checkin: Checkin) -> str:
    gate = sanitize(checkin.first_device_name or checkin.first_device_id or "", 30)
    first = _time(checkin.first_scanned_at)[11:16] if checkin.first_scanned_at else ""
    return " ".join(part for part in (gate, first) if part) or (checkin.sync_reason or "")


def _reason(code: str) -> str:
    """A server's reason in words, its code after it (a script can still find the code)."""
    code = sanitize(code, 40)
    return f"{code}  {word(SERVER_REASONS, code)}" if code in SERVER_REASONS else code


def checkin_lists(summary: DaySummary) -> list[str]:
    """The check-ins accepted here that the national system does not count as this gate's,
    or not toward premium, each with why."""
    return [
        *_listed(
            "サーバで不受理の記録 (rejected by the national system)",
            summary.server_rejected,
            lambda c: _reason(c.sync_reason or "unknown"),
        ),
        *_listed(
            "他端末で記録済の記録 (recorded first elsewhere)", summary.server_duplicates, _first
        ),
        *_listed(
            "集計対象外の記録 (not counted toward premium)",
            summary.not_counted,
            lambda c: f"{word(METHODS, c.method)} ({c.method})",
        ),
    ]


def summary_page(summary: DaySummary, *, generated_at: datetime, device: str = "") -> str:
    a, c = summary.activity, summary.counts
    lines = [
        _center("担い手活動 当日集計表 / Day summary"),
        _rule("="),
        _line("活動名 (activity)", sanitize(a.name, 60)),
        _line("実施日 (date)", f"{a.date}  {wareki(a.date)}".rstrip()),
        _line("実施団体 (organiser)", sanitize(a.organiser, 60)),
        _line("実施場所 (venue)", sanitize(a.venue, 60)),
        _line("活動ID (activity id)", sanitize(a.id, 60)),
    ]
    if device:
        lines.append(_line("端末 (device)", sanitize(device, 60)))
    lines += [
        _rule(),
        _line("受付数 (accepted here)", c.accepted),
        _line("参加者数 (unique people)", c.unique_people),
        _line("重複読取 (duplicates)", c.duplicates),
        _line("不受理 (rejected)", c.rejected),
    ]
    lines += [
        _line(f"  - {word(REASONS, reason)} ({reason})", n)
        for reason, n in sorted(c.rejected_by_reason.items())
    ]
    lines += [
        _line("取消 (voided)", c.voided),
        _line("プレミアム登録者の割合 (premium share)", _share(summary)),
        _rule(),
        "  全国システムでの扱い (what the national system counts)",
        _line("未送信 (pending upload)", c.pending_upload),
        _line("サーバ確認済 (confirmed by the national system)", c.confirmed),
        _line("  うち集計対象 (counted toward premium)", c.counted),
        _line("  うち集計対象外 (not counted: no attestation)", c.not_counted),
        _line("他端末で記録済 (recorded first at another gate)", c.server_duplicates),
        _line("サーバで不受理 (rejected by the national system)", c.server_rejected),
    ]
    lines += [
        _line(f"  - {word(SERVER_REASONS, sanitize(reason, 40))} ({sanitize(reason, 40)})", n)
        for reason, n in sorted(c.server_rejected_by_reason.items())
    ]
    if c.unattested:
        lines.append(_line("調整役の確認なしの手入力・紙 (unattested)", c.unattested))
    lines += [_rule(), "  時間帯別受付数 (check-ins per hour, JST)"]
    peak = max((h.count for h in summary.hourly), default=0)
    for hour in summary.hourly:
        bar = "#" * (round(hour.count * BAR_WIDTH / peak) if peak else 0)
        lines.append(f"    {hour.label}  {hour.count:>5}  {bar}")
    if not summary.hourly:
        lines.append("    —")
    closed = (
        summary.closed_at.astimezone(JST).isoformat(timespec="seconds")
        if (summary.closed_at)
        else "未締め / open"
    )
    lines += [
        _rule(),
        _line("締め日時 (closed at)", closed),
        _line("集計対象件数 (records in digest)", summary.digest_count),
        _line("SHA-256 ダイジェスト (digest)", ""),
        f"    {summary.digest}",
    ]
    if summary.live_digest != summary.digest:
        lines += [_line("現在のダイジェスト (digest now)", ""), f"    {summary.live_digest}"]
    lines += _receipt_lines(summary)
    lines += _activity_count_lines(summary)
    if summary.pending_ids:
        lines.append(_line("未確認の記録 (not yet confirmed)", len(summary.pending_ids)))
        lines += [f"    {cid}" for cid in summary.pending_ids[:20]]
        if len(summary.pending_ids) > 20:
            lines.append(f"    … +{len(summary.pending_ids) - 20}")
    if summary.pending_corrections:
        corrections = summary.pending_corrections
        lines.append(_line("未送信の訂正 (corrections not yet sent)", len(corrections)))
        lines += [f"    {cid}" for cid in corrections[:20]]
        if len(corrections) > 20:
            lines.append(f"    … +{len(corrections) - 20}")
    lines += checkin_lists(summary)
    lines += [
        _rule("="),
        "  ダイジェスト: 取消・サーバ拒否を除く記録IDを小文字・昇順で改行連結した SHA-256",
        "  Digest: SHA-256 of the counted check-in ids, lower-case, sorted, joined by \\n",
        "  アプリ本人受付は全国システムの件数 / app check-ins: the national counts",
        f"  作成 (generated) {generated_at.astimezone(JST).isoformat(timespec='seconds')}",
        "",
        "  確認者署名 (coordinator) ______________________   日付 (date) ____________",
    ]
    return "\n".join(lines) + "\n"


def summary_text(
    summaries: Sequence[DaySummary], *, generated_at: datetime, device: str = ""
) -> str:
    if not summaries:
        return "該当する活動はありません / no activity on this date\n"
    pages = [summary_page(s, generated_at=generated_at, device=device) for s in summaries]
    return "\f".join(pages)
