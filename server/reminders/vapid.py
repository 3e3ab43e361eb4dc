"""The server's VAPID key pair, which signs every Web Push it sends.

The private key is a PEM file in the data folder, created on first start and
readable by its owner only. It is never logged and never stored in a
database. Browsers receive the public key (``GET /api/push/key``) as the
``applicationServerKey`` of their subscription, so replacing the file makes
every existing subscription fail: keep it with the backups.
"""

import base64
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

log = logging.getLogger("genzong.push")


def load_or_create_key(path: Path) -> Vapid:
    """Return the VAPID key kept in ``path``, creating it (mode 0600) when missing.

    Raises ValueError when the file exists but does not hold a P-256 private key.
    """
    if not path.exists():
        _create(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("VAPID key file %s is readable by others (mode %o); run chmod 600 on it", path, mode)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as error:
        raise ValueError(f"{path} is not a PEM private key ({error}); restore it from a backup, "
                         f"or delete it to make a new one, which cancels every push subscription") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError(f"{path} does not hold a P-256 (prime256v1) key, which Web Push requires")
    return Vapid(private_key=key)


def public_key_b64(vapid: Vapid) -> str:
    """Return the public key as unpadded base64url of the uncompressed point, as browsers take it."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _create(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file, then linked into place: the key
    # file never exists with wider permissions or half written, and when two
    # processes start at once the first link wins and the other keeps it.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
        log.info("created a new VAPID key in %s", path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
