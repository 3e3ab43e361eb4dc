"""File modes of the data folder: readable and writable by its owner only.

``private.db`` contains password hashes and ``genzong.db`` every customer, so
the data folder and backup folders are created 0700 and the database files
0600. SQLite creates a database's ``-wal`` and ``-shm`` files with the mode
of the database file, so they follow. The process umask may only narrow
these modes further.
"""

import logging
import os
from pathlib import Path

log = logging.getLogger("genzong.server")

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
GROUP_AND_OTHER_BITS = 0o077

# The files of a data folder that tightening covers: the databases with
# their -wal, -shm and .before-restore files, and the two key files.
PRIVATE_PREFIXES = ("genzong.db", "private.db", "secret.key", "vapid_private.pem")


def make_private_folder(path: Path) -> None:
    """Create ``path`` with mode 0700 (missing parents get the default mode); leave an existing folder as it is."""
    path.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists; SQLite accepts an empty file as a new database."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def tighten_data_folder(root: Path) -> list[Path]:
    """Remove group and other permissions from the data folder, its private files and its backups.

    Modes are only narrowed, never widened: an owner's missing bit stays
    missing. Each change is logged with the old and new mode. Returns the
    paths changed.
    """
    changed = []
    paths = [root]
    paths += sorted(p for p in root.iterdir() if p.name.startswith(PRIVATE_PREFIXES))
    backups = root / "backups"
    if backups.is_dir():
        paths.append(backups)
        # os.walk skips a folder that vanishes while it walks.
        for folder, folders, files in os.walk(backups):
            paths += sorted(Path(folder) / name for name in folders + files)
    for path in paths:
        try:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode & 0o777
            if mode & GROUP_AND_OTHER_BITS:
                path.chmod(mode & ~GROUP_AND_OTHER_BITS)
        except FileNotFoundError:
            # A backup running meanwhile removes its temporary files (-shm, -wal, partial copies).
            continue
        if mode & GROUP_AND_OTHER_BITS:
            log.warning("tightened %s from mode %o to %o: the data folder is for the server's user only",
                        path, mode, mode & ~GROUP_AND_OTHER_BITS)
            changed.append(path)
    return changed
