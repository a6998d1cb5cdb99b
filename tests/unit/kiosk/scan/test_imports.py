"""`import kiosk.scan` stays cheap: no OpenCV, numpy or decoder library at import time."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("cv2", "numpy", "zxingcpp", "pyzbar", "segno", "textual")


def test_importing_the_package_and_its_public_names_loads_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "import kiosk.scan\n"
        "from kiosk.scan import ScanSettings, ScanPipeline, iter_decisions, open_source\n"
        "from kiosk.scan import SourceState, SyntheticSource, CameraSource, Debouncer\n"
        "import kiosk.scan.runner, kiosk.scan.camera, kiosk.scan.media, kiosk.scan.decoders\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error() -> None:
    import kiosk.scan

    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(kiosk.scan, "NoSuchThing")  # noqa: B009
