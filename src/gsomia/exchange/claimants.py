"""Who holds outbox claims, and which holders are gone (ADR 0111).

A delivery process claims rows under a name of its own before it sends them; the claim is a
lease, so a process killed mid-send leaves its rows to the others once the lease lapses. A
node restarted after `kill -9` should not wait out that lease (five minutes for bulk rows):
the name says on which machine and in which process the claim was made, so a process starting
on the same machine lets go at once of the claims of processes there that no longer run.
Claims made on other machines are left to their leases: their processes cannot be seen here.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterable

from sqlalchemy import Connection, select

from gsomia.exchange import outbox
from gsomia.store.tables import outbox as outbox_table

_HOST_CHARS = 40


def name_for_this_process() -> str:
    """A claimant name unique to this process: `host:pid:nonce` (the nonce tells a process
    from an earlier one that had the same pid)."""
    return f"{_host()}:{os.getpid()}:{secrets.token_hex(4)}"


def gone(names: Iterable[str], me: str, running: Callable[[int], bool]) -> list[str]:
    """Of the claimant `names`, those made on `me`'s machine by a process that no longer
    runs: its pid is not `running`, or it is `me`'s own pid under another name (an earlier
    process whose pid this one now has). Names of other machines, or not of this form, are
    never gone: their holders cannot be checked from here."""
    host, my_pid = _host_of(me), _pid_of(me)
    found = []
    for name in names:
        pid = _pid_of(name)
        if pid is None or name == me or _host_of(name) != host:
            continue
        if pid == my_pid or not running(pid):
            found.append(name)
    return found


def release_gone(conn: Connection, me: str, running: Callable[[int], bool] | None = None) -> int:
    """Let go of the queued rows claimed by processes of this machine that no longer run
    (`gone`), so they are sent now rather than after their lease. Returns the count."""
    held = select(outbox_table.c.claimed_by).where(
        outbox_table.c.claimed_by.is_not(None), outbox_table.c.state == outbox.QUEUED
    )
    names = {str(name) for name in conn.execute(held.distinct()).scalars()}
    return sum(outbox.release(conn, name) for name in gone(names, me, running or _running))


def _host() -> str:
    return socket.gethostname()[:_HOST_CHARS].replace(":", "-")


def _host_of(name: str) -> str:
    return name.split(":", 1)[0]


def _pid_of(name: str) -> int | None:
    parts = name.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1])


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True
