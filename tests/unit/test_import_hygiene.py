"""The core, sync and config never import Textual, and start-up has no heavy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = (
    "import importlib, pkgutil, sys\n"
    "import {root}\n"
    "for m in pkgutil.walk_packages({root}.__path__, '{root}.'):\n"
    "    if m.name in {skip!r}: continue\n"
    "    importlib.import_module(m.name)\n"
    "bad = sorted(n for n in sys.modules\n"
    "             if n == 'textual' or n.startswith(('textual.', 'screens')))\n"
    "print(','.join(bad))\n"
)


@pytest.mark.parametrize("root", ["kiosk", "sync", "config"])
def test_package_never_imports_textual(root: str) -> None:
    skip = ["kiosk.cli", "kiosk.__main__"] + [f"kiosk.commands.{c}" for c in ("run", "demo")]
    code = CHECK.format(root=root, skip=skip)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_cli_import_is_light() -> None:
    heavy = ("cv2", "textual", "sqlmodel", "fastapi")
    code = f"import sys, kiosk.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
