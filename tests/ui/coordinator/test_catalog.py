"""The coordinator catalogs: same keys in both languages, every key the screens use exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.models import Method, Outcome, Reason
from screens.coordinator.attempts import COLUMNS
from screens.coordinator.closeout import ACTIONS
from screens.i18n import COORDINATOR_CATALOG, Translator, load_catalog

SOURCES = Path(__file__).resolve().parents[3] / "screens" / "coordinator"
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")


def used_keys() -> set[str]:
    keys = set()
    for source in SOURCES.glob("*.py"):
        keys |= set(LITERAL.findall(source.read_text("utf-8")))
    keys |= {f"outcome.{o.value}" for o in Outcome} | {f"method.{m.value}" for m in Method}
    keys |= {f"reasons.{r.value}" for r in Reason}
    keys |= {f"sync.{s}" for s in ("pending", "accepted", "duplicate", "rejected", "withdrawn")}
    keys |= {f"action.{a}" for a in ACTIONS} | {f"table.{c}" for c in COLUMNS}
    keys |= {f"audit.action_{a}" for a in ("checkin", "manual_add", "void", "restore", "close")}
    keys |= {f"{a}.done" for a in ("void", "restore", "add")}
    keys |= {f"form.{f}" for f in ("registrant", "name", "contact", "municipality")}
    return keys


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_used_key_is_in_the_catalog(language: str) -> None:
    catalog = load_catalog(language, COORDINATOR_CATALOG)
    assert len(used_keys()) > 60
    assert used_keys() - set(catalog) == set()


def test_both_languages_have_the_same_keys_and_fields() -> None:
    ja, en = (load_catalog(lang, COORDINATOR_CATALOG) for lang in ("ja", "en"))
    assert set(ja) == set(en)
    fields = re.compile(r"\{(\w+)\}")
    for key in ja:
        assert set(fields.findall(ja[key])) == set(fields.findall(en[key])), key


def test_values_are_sanitised_and_unknown_keys_fall_back() -> None:
    gate = Translator("en")
    t = gate.catalog(COORDINATOR_CATALOG)
    assert (
        t("pin.wrong", failures=2, left="\x1b[31m2") == "Wrong PIN (2 tries left before the lock)"
    )
    assert t("no.such.key") == "no.such.key"
    gate.language = "ja"  # the coordinator's strings follow the App's language
    assert t("common.ok") == "決定"
    with pytest.raises(ValueError, match="language"):
        load_catalog("fr", COORDINATOR_CATALOG)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_word_fits_its_attempts_column(language: str) -> None:
    """No clipped labels in the close-out table: headers and cell words within the widths."""
    from rich.cells import cell_len

    from screens.coordinator.attempts import COLUMN_WIDTHS

    t = Translator(language).catalog("coordinator")
    sections = {
        "outcome": "outcome",
        "reason": "reasons",
        "method": "method",
        "state": "state",
        "sync": "sync",
    }
    catalog = load_catalog(language, "coordinator")
    for column, width in COLUMN_WIDTHS.items():
        assert cell_len(t(f"table.{column}")) <= width, column
        section = sections.get(column)
        words = [v for k, v in catalog.items() if section and k.startswith(f"{section}.")]
        assert all(cell_len(w) <= width for w in words), (column, words)
