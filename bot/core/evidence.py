"""Evidence photos on disk, stored by their SHA-256: the name is the proof the bytes are unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from dataclasses import asdict
from pathlib import Path

from .files import atomic_write
from .store.records import CaseFile

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
    if not target.exists():
        atomic_write(target, data)
    return digest


# --- evidence packs ----------------------------------------------------------------------------

MANIFEST = "manifest.json"


def build_pack(data_dir: Path, case: CaseFile, out: Path) -> list[str]:
    """A zip for a platform complaint or the police: report.json (with its status history), the
    photos, and manifest.json listing the SHA-256 of every other file. Returns what is missing."""
    missing: list[str] = []
    contents = {
        "report": asdict(case.report),
        "status_history": [asdict(h) for h in case.history],
        "evidence": [asdict(p) for p in case.photos],
    }
    files: dict[str, bytes] = {"report.json": json.dumps(contents, ensure_ascii=False, indent=2).encode()}
    for photo in case.photos:
        path = path_for(data_dir, photo.sha256, photo.mime)
        if path.exists():
            files[f"photos/{path.name}"] = path.read_bytes()
        else:
            missing.append(photo.sha256)
    manifest = {
        "reference": case.report.reference,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "algorithm": "sha256",
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        "missing_photos": missing,
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name, data in files.items():
            pack.writestr(name, data)
        pack.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return missing


def verify_pack(path: Path) -> list[str]:
    """Problems found in an evidence pack; an empty list means every file matches the manifest
    and every photo's bytes match the SHA-256 it is named by."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as pack:
            manifest = json.loads(pack.read(MANIFEST))
            listed: dict[str, str] = manifest["files"]
            present = set(pack.namelist()) - {MANIFEST}
            for name in sorted(present - set(listed)):
                problems.append(f"{name}: not in the manifest")
            for name, digest in sorted(listed.items()):
                if name not in present:
                    problems.append(f"{name}: listed in the manifest but missing")
                    continue
                actual = hashlib.sha256(pack.read(name)).hexdigest()
                if actual != digest:
                    problems.append(f"{name}: SHA-256 {actual} does not match the manifest's {digest}")
                elif name.startswith("photos/") and Path(name).stem != actual:
                    problems.append(f"{name}: photo bytes do not match the hash in its name")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        problems.append(f"not a readable evidence pack: {exc}")
    return problems
