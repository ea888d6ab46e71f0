"""`gsomia identity rotate`: new node keys, announced to every partner under the old (ADR 0093).

The node must be stopped: the running process holds the old keys, and its listener the old TLS
certificate. On disk the new keys are written whole beside the old (`keys.next`), then the old
directory moves under `retired/` with its card and the new one takes its place, by renames. The
storage key goes along unchanged: everything at rest stays readable without re-sealing a row.
The statement, signed by the old keys and the new, is kept as `rotation.json` and queued to
every pinned partner in one transaction with the logged rotation; the restarted node sends it,
speaking to each partner with the old keys until that partner answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from gsomia.errors import UsageError
from gsomia.node.assembly import assemble
from gsomia.node.control.key_rotation import announce
from gsomia.node.home import (
    CARD,
    KEYS,
    NEXT_KEYS,
    RETIRED,
    NodeHome,
    hosts_of,
    load_home,
    read_config,
    serving_of,
)
from gsomia.node.users import OPERATOR
from gsomia.seal import (
    IdentityCard,
    canonical_json,
    generate_node_keys,
    make_card,
    write_node_keys,
)
from gsomia.seal.rotation import make_rotation

ROTATION = "rotation.json"


@dataclass(frozen=True)
class Rotated:
    """A home whose keys were rotated: the new home, the card it replaced, the statement and
    the partners it was queued to."""

    home: NodeHome
    old: IdentityCard
    statement: dict[str, Any]
    partners: list[str]


def rotate(path: Path, passphrase: str, now: datetime) -> Rotated:
    """Rotate the keys of the (stopped) node at `path` and queue the statement to partners."""
    running = serving_of(path)
    if running is not None:
        raise UsageError(
            f"the node of {path} is running (pid {running.pid}): it holds the old keys",
            hint="stop it, run `gsomia identity rotate`, then start it again",
        )
    config = read_config(path)
    if config.keys_uri:
        raise UsageError(
            f"the keys of {path} are in a PKCS#11 token ({config.keys_uri}): rotation makes "
            "its keys as files, so it is not offered for a token yet",
            hint="make new keys in the token with `gsomia init --keys`, and hand the new card "
            "to each partner to `peer add` (ADR 0093)",
        )
    before = load_home(path, passphrase)
    waiting = _waiting(before)
    if waiting:
        raise UsageError(
            f"{', '.join(waiting)} has not answered the last key rotation yet",
            hint="start the node until every partner has, then rotate again",
        )
    config, old = before.config, before.card
    fresh = generate_node_keys(
        config.profile, nation=config.nation, hosts=hosts_of(config.endpoints), now=now
    )
    fresh = replace(fresh, storage_key=before.keys.storage_key)  # rows at rest stay readable
    card = make_card(
        fresh, nation=config.nation, name=config.name, created=now, endpoints=config.endpoints
    )
    statement = make_rotation(before.keys, old, fresh, card, at=now)
    write_node_keys(path / NEXT_KEYS, fresh, passphrase)
    retired = path / RETIRED / old.fingerprint[:16]
    retired.parent.mkdir(mode=0o700, exist_ok=True)
    (path / KEYS).rename(retired)
    (retired / CARD).write_bytes(old.to_bytes())
    (path / NEXT_KEYS).rename(path / KEYS)
    (path / CARD).write_bytes(card.to_bytes())
    (path / ROTATION).write_bytes(canonical_json(statement))
    after = load_home(path, passphrase)
    node = assemble(after)
    try:
        with node.engine.begin() as conn:
            partners = announce(conn, node, statement, old, actor=OPERATOR, now=now)
    finally:
        node.engine.dispose()
    return Rotated(after, old, statement, partners)


def _waiting(home: NodeHome) -> list[str]:
    """The partners that have not answered the last rotation: they still pin the card before
    it, so a statement signed by keys they never pinned would not verify."""
    node = assemble(home)
    try:
        node.migrate()
        return sorted(
            card.nation
            for card in node.peer_cards()
            if node.speaking_keys(card.nation) is not home.keys
        )
    finally:
        node.engine.dispose()
