"""The import contracts `lint-imports` enforces hold without exceptions: no contract ignores an
import, stale ignores would be reported, and the layering is the one the README draws."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _importlinter() -> dict[str, Any]:
    document = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    section: dict[str, Any] = document["tool"]["importlinter"]
    return section


def test_no_contract_ignores_an_import() -> None:
    contracts = _importlinter()["contracts"]
    assert contracts
    for contract in contracts:
        assert "ignore_imports" not in contract, contract["name"]
        # left at its default, import-linter reports an ignore that no longer matches
        assert "unmatched_ignore_imports_alerting" not in contract, contract["name"]


def test_the_layers_are_the_documented_ones() -> None:
    section = _importlinter()
    assert set(section["root_packages"]) >= {"cli", "kiosk", "screens", "sync", "config"}
    (layers,) = [c for c in section["contracts"] if c["type"] == "layers"]
    assert layers["layers"] == ["cli", "screens | sync", "kiosk", "config"]
    assert "containers" not in layers  # the layers are the top-level packages themselves


def test_only_screens_may_import_textual() -> None:
    forbidden = [c for c in _importlinter()["contracts"] if c["type"] == "forbidden"]
    (textual,) = [c for c in forbidden if c["forbidden_modules"] == ["textual"]]
    assert set(textual["source_modules"]) == {"cli", "kiosk", "sync", "config"}
