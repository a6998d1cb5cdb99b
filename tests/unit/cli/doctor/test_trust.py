"""`kiosk doctor`'s trust check: the pin, and how old the statement in force is."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

from cli.compose import build_trust
from cli.doctor import Context, Status
from cli.doctor.trust import span, trust
from config.load import load_config
from kiosk.store import Store
from tests.devices import device_config
from tests.passkit import PassKit
from tests.trustkit import NOW, Anchor

API = '[api]\nurl = "https://api.example.invalid"\n'
AT = datetime.fromtimestamp(NOW, UTC)


def context(config: Path) -> Context:
    return Context(config=load_config(config), config_path=config, config_error=None, environ={})


def pinned_config(tmp_path: Path, jwks_file: Path, anchor: Anchor) -> Path:
    path = device_config(tmp_path, jwks_file, extra=API)
    (tmp_path / "anchor.json").write_text(json.dumps({"keys": [anchor.jwk]}), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("[trust]\n", f'[trust]\nanchor_file = "{tmp_path / "anchor.json"}"\n'),
        encoding="utf-8",
    )
    return path


def test_api_without_a_pin_is_a_loud_warning(tmp_path: Path, jwks_file: Path) -> None:
    result = trust(context(device_config(tmp_path, jwks_file, extra=API)))
    assert result.status is Status.WARN
    assert "WITHOUT A TRUST ANCHOR PIN" in result.summary
    assert "anchor_file" in result.fix
    offline = trust(context(device_config(tmp_path, jwks_file)))
    assert (offline.status, offline.summary) == (
        Status.OK,
        "offline-only device: provisioned trust list 1 pass keys",
    )


def test_the_statement_in_force_its_age_expiry_and_refusals(
    tmp_path: Path, jwks_file: Path, kit: PassKit
) -> None:
    anchor = Anchor()
    config = pinned_config(tmp_path, jwks_file, anchor)
    ctx = context(config)
    assert trust(ctx).status is Status.WARN  # no database yet
    assert ctx.config is not None
    store = Store.open(ctx.config.device.database)
    try:
        keeper = build_trust(ctx.config, store)
        with time_machine.travel(AT, tick=False):
            waiting = trust(ctx)
            assert waiting.status is Status.WARN
            assert "no signed trust statement accepted yet" in waiting.summary
            keeper.offer(anchor.statement(kit, 4), AT)
        with time_machine.travel(AT + timedelta(hours=3), tick=False):
            fine = trust(ctx)
            assert fine.status is Status.OK, fine.summary
            assert fine.summary.startswith("statement #4 (anchor ")
            assert "issued 3 h ago, expires in 6 d, checked 3 h ago" in fine.summary
        with time_machine.travel(AT + timedelta(days=2), tick=False):
            stale = trust(ctx)
            assert stale.status is Status.WARN
            assert "not confirmed for over 1 d" in stale.summary
        with time_machine.travel(AT + timedelta(days=8), tick=False):
            assert "EXPIRED" in trust(ctx).summary
            keeper.offer(Anchor().statement(kit, 5), AT + timedelta(days=8))
            refused = trust(ctx)
            assert refused.status is Status.WARN
            assert "REFUSED: unknown_anchor" in refused.summary
            assert refused.details["refusal"] == "unknown_anchor"
    finally:
        store.close()


def test_span_words() -> None:
    assert [span(timedelta(seconds=s)) for s in (5, 125, 7300, 200000)] == [
        "5 s",
        "2 min",
        "2 h",
        "2 d",
    ]
