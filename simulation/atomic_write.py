"""Writing an export in one step: a temporary file in the target's folder, then a rename.

A reader (or a crash) never sees a half-written file, because ``os.replace`` swaps the
complete file in atomically on the same file system.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes_atomically(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent)
    mode = path.stat().st_mode & 0o777 if path.exists() else _default_mode()
    try:
        with os.fdopen(handle, "wb") as stream:
            # mkstemp creates the file private (0600); give it the mode a plain open would.
            os.fchmod(stream.fileno(), mode)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
