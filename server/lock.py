"""One ``genzong serve`` per data folder."""

import errno
import fcntl
import os
from pathlib import Path

from .file_modes import make_private_folder


class DataDirBusy(RuntimeError):
    """Another server process already serves the data folder."""


class ServeLock:
    """An exclusive lock on the data folder, held while the server runs.

    The operating system releases it when the process ends, even when it is
    killed, so a crash never leaves a stale lock behind.
    """

    def __init__(self, path: Path):
        self.path = path
        self._handle = None

    def acquire(self) -> None:
        """Take the lock; raise DataDirBusy naming the holder's pid when taken.

        On a read-only file system there is nothing to lock: no process can
        write there, so several servers may read it.
        """
        make_private_folder(self.path.parent)
        try:
            handle = open(self.path, "a+")
        except OSError as error:
            if error.errno in (errno.EROFS, errno.EACCES):
                return
            raise
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DataDirBusy(
                f"another genzong serve (pid {holder}) is already serving {self.path.parent}; "
                f"stop it first, or pass a different --data-dir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def __enter__(self) -> "ServeLock":
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
