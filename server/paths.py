"""Where Genzong finds its data folder and the files of its checkout."""

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "GENZONG_DATA_DIR"


@dataclass(frozen=True)
class DataDir:
    """The files of one organisation's data folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "genzong.db"

    @property
    def private_database(self) -> Path:
        # Password hashes, token versions and push subscriptions: never
        # opened by Datasette, so no published query can read them.
        return self.root / "private.db"

    @property
    def secret_key(self) -> Path:
        return self.root / "secret.key"

    @property
    def vapid_private_key(self) -> Path:
        return self.root / "vapid_private.pem"

    @property
    def lock_file(self) -> Path:
        return self.root / "genzong.lock"

    @property
    def backups(self) -> Path:
        return self.root / "backups"


def resolve_data_dir(option: str | None = None) -> DataDir:
    """Return the data folder: ``option``, else ``$GENZONG_DATA_DIR``, else ``./data``."""
    chosen = option or os.environ.get(DATA_DIR_ENV) or "data"
    return DataDir(Path(chosen).expanduser().resolve())


def project_root() -> Path:
    """Return the checkout that contains ``pwa/`` and the ``datasette-metadata*.yml`` files.

    An editable install keeps this package inside the checkout, so the
    folder above it is tried first. A regular install puts the package in
    site-packages, so ``$GENZONG_ROOT`` and then the current folder are tried.
    """
    candidates = [Path(__file__).resolve().parent.parent]
    if os.environ.get("GENZONG_ROOT"):
        candidates.insert(0, Path(os.environ["GENZONG_ROOT"]))
    candidates.append(Path.cwd())
    for candidate in candidates:
        if (candidate / "pwa" / "index.html").is_file():
            return candidate
    raise FileNotFoundError(
        "cannot find the Genzong checkout (a folder with pwa/index.html); "
        "run from the checkout or set GENZONG_ROOT to it")
