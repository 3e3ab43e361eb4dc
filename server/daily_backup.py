"""Daily backups kept by the server itself, in ``<data folder>/backups``.

Once a day (checked every hour) the server copies its databases into
``backups/YYYY-MM-DD`` with the online backup API and deletes the oldest
copies beyond the number the ``backup_keep_days`` setting names (7 unless
an admin set another). For continuous off-site copies, see the README's
section on Litestream.
"""

import asyncio
import logging
import shutil
from datetime import date
from pathlib import Path

from .backup import BackupError, make_backup
from .file_modes import make_private_folder
from .settings import read_synced
from .timeutil import today

log = logging.getLogger("genzong.backup")

CHECK_EVERY_SECONDS = 3600


def run_daily_backup(state, on: date | None = None) -> Path | None:
    """Make today's backup unless it exists, then prune old ones; return the new folder or None."""
    conn = state.records.get()
    on = on or today(read_synced(conn, "time_zone"))
    folder = state.data.backups / on.isoformat()
    made = None
    if not folder.exists():
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        make_private_folder(state.data.backups)
        make_backup(state.data, partial)
        partial.rename(folder)  # a crash mid-copy never leaves a folder that looks complete
        made = folder
        log.info("daily backup made in %s", folder)
    keep = read_synced(conn, "backup_keep_days")
    kept = sorted(p for p in state.data.backups.iterdir() if p.is_dir() and not p.name.endswith(".partial"))
    for old in kept[:-keep]:
        shutil.rmtree(old)
        log.info("daily backup %s deleted (keeping %d)", old, keep)
    return made


async def run_daily_backups(state, stop: asyncio.Event) -> None:
    """Run ``run_daily_backup`` every hour until ``stop`` is set; log failures and go on."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_daily_backup, state)
        except (BackupError, OSError) as error:
            log.error("daily backup failed: %s", error)
        try:
            await asyncio.wait_for(stop.wait(), CHECK_EVERY_SECONDS)
        except asyncio.TimeoutError:
            pass
