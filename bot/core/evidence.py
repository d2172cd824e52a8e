"""Evidence photos on disk, stored by their SHA-256: the name is the proof the bytes are unchanged."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif", "image/heic": ".heic"}


def evidence_dir(data_dir: Path) -> Path:
    return data_dir / "evidence"


def path_for(data_dir: Path, sha256: str, mime: str) -> Path:
    """data/evidence/ab/abcdef….jpg — fanned out so no directory holds millions of files."""
    return evidence_dir(data_dir) / sha256[:2] / f"{sha256}{_EXTENSIONS.get(mime, '.bin')}"


def store_evidence(data_dir: Path, data: bytes, mime: str) -> str:
    """Write ``data`` atomically under its SHA-256 (once, however often it is sent); return the hash."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(data_dir, digest, mime)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return digest


def verify(path: Path) -> bool:
    """True when the file's bytes still hash to the name it is stored under."""
    return hashlib.sha256(path.read_bytes()).hexdigest() == path.stem


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
