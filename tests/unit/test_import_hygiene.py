"""The core, sync and config never import Textual, the UI or the composition root, and
start-up has no heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.passkit import PassKit

CHECK = (
    "import importlib, pkgutil, sys\n"
    "import {root}\n"
    "for m in pkgutil.walk_packages({root}.__path__, '{root}.'):\n"
    "    importlib.import_module(m.name)\n"
    "bad = sorted(n for n in sys.modules\n"
    "             if n.partition('.')[0] in ('textual', 'screens', 'cli'))\n"
    "print(','.join(bad))\n"
)


@pytest.mark.parametrize("root", ["kiosk", "sync", "config"])
def test_package_never_imports_textual(root: str) -> None:
    code = CHECK.format(root=root)  # every module of the package, none skipped
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_cli_import_is_light() -> None:
    heavy = ("cv2", "textual", "sqlmodel", "fastapi")
    code = f"import sys, cli.main; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_kiosk_run_reaches_its_first_frame_without_heavy_imports(tmp_path: Path) -> None:
    """What `kiosk run` loads before `app.run()`: no ORM, no pydantic, no HTTP stack, no
    keyring, no OpenCV (each is loaded later, when first used: see sync.deferred)."""
    kit = PassKit()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[device]
id = "hygiene"
name = "Gate"
municipality = "131016"
database = "{tmp_path / "kiosk.db"}"
[trust]
jwks_file = "{kit.write_jwks(tmp_path / "jwks.json")}"
[activity]
id = "act-1"
name = "Clean-up"
[api]
url = "http://127.0.0.1:9"
""",
        encoding="utf-8",
    )
    heavy = ("sqlalchemy", "sqlmodel", "pydantic", "httpx", "keyring", "cv2", "fastapi")
    code = (
        "import argparse, pathlib, sys\n"
        "from cli.commands.run import build_kiosk\n"
        f"kiosk = build_kiosk(argparse.Namespace(config=pathlib.Path({str(config)!r}),"
        " language=None))\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
        "kiosk.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
