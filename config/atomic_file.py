"""Replacing a file so that readers see the old or the new content, never a mix or a stub.

The one implementation for exports, pulled trust lists, the credential file and written
configs. The temporary file is made with `mkstemp` (`O_CREAT | O_EXCL`: a planted file or
symlink of the same name is never followed), given `mode` before any byte is written, synced,
renamed over the target (a symlink at the target is replaced, not followed), and the folder is
synced so the rename survives a power cut."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace `path` with `data`, file mode `mode`. Raises OSError; on failure the old file
    is untouched and no temporary file is left behind."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
