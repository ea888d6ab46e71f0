"""The latest cosigned checkpoint, kept in the node's home beside its keys (issue 13).

Someone holding the database but not the keys cannot sign a new checkpoint, but can roll the
log back to an older, genuinely signed state, dropping the rows and checkpoints after it, and
the log is again consistent with itself. Partners' witnesses refuse it; `gsomia audit verify`
on the node alone could not tell. So each time a
partner's cosignature is kept, the checkpoint with every cosignature is written to
`HOME/cosigned-checkpoint.txt` (outside the database), and verify fails when the log no longer
extends it, naming the checkpoint and who cosigned it.

Deleting the file must not turn the check off: the database marks that a cosigned checkpoint
was kept (`store_marks.cosigned_checkpoint`, ADR 0088), and once it has, a missing file fails
verify, naming the file and since when it should be there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import Connection

from gsomia.errors import InputError, VerificationError
from gsomia.exchange.witness import cosignature_verifier, log_origin
from gsomia.ledger.audit import TamperedLog
from gsomia.ledger.checkpoint import SignedCheckpoint, open_checkpoint, parse_checkpoint
from gsomia.ledger.note import Note, NoteVerifier, open_note
from gsomia.seal import IdentityCard
from gsomia.store import checkpoints, marks
from gsomia.store.merkle_log import MerkleLog

COSIGNED = "cosigned-checkpoint.txt"


class RolledBackLog(TamperedLog):
    """The log no longer extends the latest checkpoint partners cosigned."""


def keep(home: Path, conn: Connection, size: int) -> None:
    """Write our checkpoint at `size` with its cosignatures to the home, unless the file
    already holds a larger one (a late answer never moves it back)."""
    path = home / COSIGNED
    held = _held_size(path)
    if held is not None and held > size:
        return
    data = checkpoints.cosigned(conn, size).to_bytes()
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)


def _held_size(path: Path) -> int | None:
    try:
        return parse_checkpoint(path.read_bytes()).checkpoint.size
    except FileNotFoundError:
        return None
    except InputError:
        return None  # a damaged file is replaced by the next cosigned checkpoint


def check_extends(
    home: Path,
    conn: Connection,
    verifier: NoteVerifier | Sequence[NoteVerifier],
    partners: Mapping[str, IdentityCard],
) -> int | None:
    """The size of the kept cosigned checkpoint if the (verified) log extends it; None if no
    partner has cosigned yet; `RolledBackLog` naming it and its cosigners otherwise."""
    path = home / COSIGNED
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        since = marks.marked(conn, marks.COSIGNED_CHECKPOINT)
        if since is None:
            return None
        raise RolledBackLog(
            f"{path} is missing, but this node has kept a cosigned checkpoint since "
            f"{since.isoformat()}: the log cannot be shown to extend what partners cosigned",
            index=0,
        ) from None
    try:
        signed, _ = open_checkpoint(data, verifier)
    except (InputError, VerificationError) as exc:
        raise RolledBackLog(
            f"{path} does not verify under this node's key: {exc}", index=0
        ) from None
    size, root = signed.checkpoint.size, signed.checkpoint.root
    have = MerkleLog(conn).size()
    if have >= size and MerkleLog(conn).root(size) == root:
        return size
    by = ", ".join(cosigners(signed, partners)) or "no partner whose card is pinned"
    where = f"{have} entries, fewer than its {size}" if have < size else "another root at its size"
    raise RolledBackLog(
        f"the log no longer extends the checkpoint at size {size} (root {root.hex()[:16]}…) "
        f"cosigned by {by}, kept in {path}: it has {where}",
        index=min(have, size),
    )


def cosigners(signed: SignedCheckpoint, partners: Mapping[str, IdentityCard]) -> list[str]:
    """The nations whose cosignature on `signed` verifies against their pinned card."""
    found = []
    for nation, card in sorted(partners.items()):
        try:
            witness = cosignature_verifier(card)
        except (InputError, VerificationError):
            continue  # a card with no Ed25519 key cosigns nothing (ADR 0034)
        lines = tuple(s for s in signed.note.signatures if s.name == witness.name)
        if not lines:
            continue
        try:
            open_note(Note(signed.note.text, lines), [witness])
        except (InputError, VerificationError):
            continue
        found.append(f"{nation} ({log_origin(card)})")
    return found
