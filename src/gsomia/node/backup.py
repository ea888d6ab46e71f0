"""Backing up a node home and restoring it elsewhere (`gsomia backup`, `gsomia restore`).

A backup is one gzip'd tar: the home's configuration, identity card, the latest cosigned
checkpoint (the log's defence against a rollback), its keys exactly as they lie on disk —
every private key encrypted under the passphrase, or the backup is refused — a snapshot of the
database taken while the node runs (`gsomia.store.snapshot`), and a manifest with each
member's SHA-256, signed by the node's keys (`manifest.sig`, a JWS checked against the card in
the backup, then that card against the one the operator names apart from the backup: `--card`
or `--fingerprint`, or `--trust-backup-card` said aloud; ADR 0126). Keys retired by a key
rotation and its statement go along (ADR 0093). Left out: what is re-made on first use and
would only widen what a stolen backup gives (the console tokens, the pages' session key,
`serving.json`).

A restore makes a new home from it: never over an existing one, the manifest's signature and
each member checked against the manifest first (`TamperedBackup` names what does not hold),
the SQLite database put inside the new home (or a PostgreSQL backup loaded into the empty
database named). Its log is then checked with `gsomia audit verify`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomli_w

from gsomia.errors import Conflict, InputError, UsageError, VerificationError
from gsomia.node.cosigned_file import COSIGNED
from gsomia.node.home import CARD, CONFIG, KEYS, OLD_CARD, RETIRED, read_config
from gsomia.seal import (
    IdentityCard,
    NodeKeys,
    canonical_json,
    fingerprint_groups,
    parse_card,
    sign_document,
    verified_payload,
)
from gsomia.store.db import make_engine
from gsomia.store.snapshot import SQLITE, put, take

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
ROTATION = "rotation.json"  # `gsomia.node.rekey.ROTATION`
FORMAT = "gsomia-backup/1"
DATABASE = {"sqlite": "node.db", "postgresql": "node.pgdump"}
_PRIVATE_PEM = b"-----BEGIN PRIVATE KEY-----"


class TamperedBackup(VerificationError):
    """A backup whose manifest is not signed by the node whose card it carries, or whose
    members are not what the manifest lists: altered after it was taken."""

    code = "tampered_backup"


@dataclass(frozen=True)
class Manifest:
    nation: str
    taken_at: str
    database: str  # sqlite | postgresql
    files: dict[str, str]  # member → SHA-256


def _home_files(home: Path) -> list[Path]:
    """The home's files that go into a backup, checked: no private key in the clear."""
    found = [home / CONFIG, home / CARD]
    found += [home / name for name in (OLD_CARD, COSIGNED, ROTATION) if (home / name).exists()]
    keys = sorted((home / KEYS).iterdir())
    if (home / RETIRED).is_dir():  # keys a rotation retired still open what was sealed to them
        keys += sorted(p for d in sorted((home / RETIRED).iterdir()) for p in d.iterdir())
    for path in keys:
        if path.is_file():
            if _PRIVATE_PEM in path.read_bytes():
                raise UsageError(
                    f"{path} holds a private key in the clear: it would leave in the backup",
                    hint="seal the keys under the passphrase first: gsomia identity rewrap",
                )
            found.append(path)
    return found


def backup(home: Path, output: Path, keys: NodeKeys, *, now: datetime | None = None) -> Manifest:
    """Write the backup of the home at `home` to `output` (a new file), its manifest signed
    with `keys` (the home's, as `load_home` gives them)."""
    config = read_config(home)
    if output.exists():
        raise Conflict(f"{output} exists", hint="choose a new file for the backup")
    files = _home_files(home)
    engine = make_engine(config.database_url)
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "db"
        try:
            kind = take(engine, snapshot)
        finally:
            engine.dispose()
        members = {str(p.relative_to(home)): p for p in files} | {DATABASE[kind]: snapshot}
        digests = {name: _sha256(path.read_bytes()) for name, path in members.items()}
        manifest = Manifest(config.nation, (now or datetime.now(UTC)).isoformat(), kind, digests)
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            document = {"format": FORMAT, **manifest.__dict__}
            _add(tar, MANIFEST, json.dumps(document, indent=2).encode())
            _add(tar, SIGNATURE, canonical_json(sign_document(keys, document)))
            for name, path in members.items():
                _add(tar, name, path.read_bytes())
    return manifest


def restore(
    archive: Path,
    home: Path,
    database_url: str | None = None,
    *,
    card: IdentityCard | None = None,
    fingerprint: str | None = None,
    trust_backup_card: bool = False,
) -> Manifest:
    """Make a new home at `home` from the backup `archive`; its manifest. The backup must be
    the node the operator names, not merely signed by whichever card it carries: `card` (a
    copy kept apart, or a partner's pinned one) or `fingerprint` (read over a second channel).
    `trust_backup_card` takes the card inside the backup instead, and says so: whoever could
    replace the backup could replace the keys, the card and the signature together."""
    expected = _expected(card, fingerprint, trust_backup_card)
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise Conflict(f"{home} exists and is not empty", hint="restore into a new directory")
    members, manifest = _read(archive, expected)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    (home / KEYS).mkdir(mode=0o700, exist_ok=True)
    db_name = DATABASE[manifest.database]
    for name, data in members.items():
        if name != db_name:
            (home / name).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            (home / name).write_bytes(data)
            (home / name).chmod(0o600)
    config = tomllib.loads(members[CONFIG].decode())
    if manifest.database == SQLITE:
        url = database_url or f"sqlite:///{(home / 'node.db').resolve()}"
    elif database_url is None:
        raise UsageError(
            "a PostgreSQL backup needs the database to restore into",
            hint="create an empty database and give it: --database postgresql://…",
        )
    else:
        url = database_url
    config.setdefault("database", {})["url"] = url
    (home / CONFIG).write_text(tomli_w.dumps(config), encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / db_name
        snapshot.write_bytes(members[db_name])
        put(manifest.database, snapshot, url)
    return manifest


def _expected(
    card: IdentityCard | None, fingerprint: str | None, trust: bool
) -> tuple[str, str] | None:
    """The fingerprint the backup's card must have, and whose it is; None when the operator
    trusts the card inside the backup. `UsageError` unless exactly one of the three is given."""
    given = [card is not None, fingerprint is not None, trust]
    if sum(given) != 1:
        raise UsageError(
            "a restore needs the node it restores named once, apart from the backup: its card "
            "(--card FILE) or its fingerprint (--fingerprint HEX)"
            + (", not several" if sum(given) > 1 else ""),
            hint="use the card or fingerprint you kept apart when the node was set up (a "
            "partner's pinned copy will do); --trust-backup-card takes the backup's own card, "
            "which whoever could replace the backup could replace too",
        )
    if card is not None:
        return card.fingerprint, f"{card.nation}'s node"
    if fingerprint is not None:
        plain = "".join(fingerprint.split()).lower()
        if not re.fullmatch(r"[0-9a-f]{64}", plain):
            raise UsageError(
                f"--fingerprint {fingerprint!r} is not a card's fingerprint",
                hint="64 hexadecimal digits, spaces allowed, as `gsomia identity show` prints",
            )
        return plain, "the node"
    return None


def _read(archive: Path, expected: tuple[str, str] | None) -> tuple[dict[str, bytes], Manifest]:
    """The backup's members, the manifest's signature checked against the card in the backup,
    each member against the manifest (nothing else is taken), then that card against the
    `expected` fingerprint (None only when the operator trusts the backup's card)."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            raw = {m.name: tar.extractfile(m) for m in tar.getmembers() if m.isfile()}
            data = {name: f.read() for name, f in raw.items() if f is not None}
    except (OSError, tarfile.TarError) as error:
        raise InputError(f"{archive} is not a gsomia backup: {error}") from error
    try:
        found = json.loads(data.pop(MANIFEST))
        manifest = Manifest(**{k: found[k] for k in ("nation", "taken_at", "database", "files")})
        assert found.get("format") in (None, FORMAT)
    except (KeyError, ValueError, TypeError, AssertionError) as error:
        raise InputError(f"{archive} has no readable manifest") from error
    card = _check_signature(archive, found, data.pop(SIGNATURE, None), data.get(CARD))
    if set(data) != set(manifest.files) or manifest.database not in DATABASE:
        raise TamperedBackup(f"{archive} does not hold what its manifest lists")
    for name, content in data.items():
        if not _safe(name) or _sha256(content) != manifest.files[name]:
            raise TamperedBackup(f"{archive}: {name} is not what was backed up")
    if expected is not None and card.fingerprint != expected[0]:
        raise TamperedBackup(
            f"{archive} is a backup of {card.nation}'s node with fingerprint "
            f"{fingerprint_groups(card.fingerprint)}, not of {expected[1]} with fingerprint "
            f"{fingerprint_groups(expected[0])}",
            hint="restore the backup of the node you named, or name the node this backup is of",
        )
    return data, manifest


def _check_signature(
    archive: Path,
    document: dict[str, object],
    signature: bytes | None,
    card_bytes: bytes | None,
) -> IdentityCard:
    """The card in the backup; `TamperedBackup` unless the manifest is signed by its keys."""
    if signature is None or card_bytes is None:
        raise TamperedBackup(
            f"{archive} carries no signed manifest: it was altered, or made before backups "
            "were signed",
            hint="restore it with the gsomia version that made it, then back up again",
        )
    try:
        card = parse_card(card_bytes)
    except InputError as error:
        raise TamperedBackup(
            f"{archive}: its identity card is not valid: {error.message}"
        ) from error
    try:
        signed = verified_payload(json.loads(signature), card)
    except Exception as error:  # any fault of the signature is the same finding
        raise TamperedBackup(
            f"{archive}: the manifest is not signed by the node whose card the backup carries "
            f"({card.nation}, {card.fingerprint[:16]}…): the backup was altered after it was taken"
        ) from error
    if signed != canonical_json(document):
        raise TamperedBackup(
            f"{archive}: the manifest differs from the one {card.nation}'s node signed"
        )
    return card


def _safe(name: str) -> bool:
    parts = Path(name).parts
    return (
        bool(parts)
        and ".." not in parts
        and not Path(name).is_absolute()
        and (
            len(parts) == 1
            or (len(parts) == 2 and parts[0] == KEYS)
            or (len(parts) == 3 and parts[0] == RETIRED)
        )
    )


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
