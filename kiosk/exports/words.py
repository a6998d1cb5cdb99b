"""Japanese words for the stable codes that exports carry (the documents go to a municipality:
Japanese first). Every export that shows a word keeps the code too, in its own column or in
parentheses, so a script can still read it."""

from __future__ import annotations

TIERS = {"premium": "プレミアム登録", "basic": "ふるさと住民登録"}
METHODS = {
    "camera": "二次元コード（カメラ）",
    "wedge": "二次元コード（読取機）",
    "manual": "番号の手入力",
    "paper": "紙の記録用様式",
}
OPERATORS = {"gate": "受付", "coordinator": "管理者", "retention": "自動消去"}
SYNC_STATUSES = {
    "pending": "未送信",
    "accepted": "確認済",
    "duplicate": "他端末で記録済",
    "rejected": "サーバで拒否",
    "withdrawn": "送信取りやめ（取消）",
}
NATIONAL = {
    "counted": "集計対象",
    "not_counted": "集計対象外（調整役の確認なし）",
    "rejected": "不受理",
    "duplicate": "他端末で記録済",
    "pending": "未回答",
}
SERVER_REASONS = {
    "revoked": "失効済みのパス",
    "conflict": "記録の食い違い",
    "unknown_activity": "全国システムにない活動",
    "activity_not_permitted": "この端末では記録できない活動",
    "pass_required": "パスが必要",
    "registrant_required": "ふるさと住民IDが必要",
    "registrant_mismatch": "ふるさと住民IDが一致しない",
}
REASONS = {
    "bad_encoding": "読み取れないコード",
    "malformed": "内容の誤り",
    "wrong_type": "対象外のコード",
    "unsupported_alg": "未対応の署名方式",
    "unknown_key": "発行元を確認できない",
    "bad_signature": "署名が不正",
    "wrong_issuer": "発行元が不正",
    "expired": "有効期限切れ",
    "not_yet_valid": "まだ有効でない",
    "revoked": "失効済み",
    "activity_closed": "締め済みの活動",
    "no_activity": "活動がない",
    "storage_full": "記録領域が満杯",
    "storage_failed": "記録の失敗",
}


def word(table: dict[str, str], code: str) -> str:
    """The Japanese word for `code` ("" stays ""; an unknown code is shown as it is)."""
    return table.get(code, code)
