"""What an idle node costs: CPU of a served node (and its children) with nothing to do (ADR 0142).

Two nodes (KOR, JPN) are started as real `gsomia serve` processes, partners of each other, with
nothing queued; after they settle, each node's process tree's CPU time (user + system, from
/proc; on PostgreSQL with the server's processes serving its database) is read over
`IDLE_SECONDS`. SQLite always; PostgreSQL too, one node served by
`--workers 2` (two API processes and the delivery process that listen to each other), when
GSOMIA_TEST_POSTGRES names a server. The anchor is the CPU of the same interval's wall time: a
figure of 0.01 is 1 % of a core.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.figures import Figure, machine_load
from gsomia.devnet import DevNet

IDLE_SECONDS = float(os.environ.get("GSOMIA_BENCH_IDLE_SECONDS", "60"))
SETTLE = 10.0  # seconds for start-up work (migrations, hellos, the first checkpoint) to end
TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        here = todo.pop()
        found.append(here)
        for task in Path(f"/proc/{here}/task").iterdir():
            children = (task / "children").read_text().split()
            todo.extend(int(child) for child in children)
    return found


def _cpu(pid: int) -> float:
    """Seconds of CPU the process tree under `pid` has used (its live processes)."""
    total = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _backends(database: str) -> float:
    """Seconds of CPU PostgreSQL's server processes serving `database` have used."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not command.startswith("postgres:") or f" {database} " not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


def _idle(net: DevNet, nations: list[str], databases: dict[str, str]) -> dict[str, float]:
    """Each node's share of a core over `IDLE_SECONDS`: its processes' and, for a node on
    PostgreSQL, its database's server processes'."""
    time.sleep(SETTLE)
    pids = {nation: net.nodes[nation].process.pid for nation in nations}  # type: ignore[union-attr]

    def used(nation: str) -> float:
        server = _backends(databases[nation]) if nation in databases else 0.0
        return _cpu(pids[nation]) + server

    before = {nation: used(nation) for nation in nations}
    start = time.monotonic()
    time.sleep(IDLE_SECONDS)
    wall = time.monotonic() - start
    return {nation: (used(nation) - before[nation]) / wall for nation in nations}


def _fresh(url: str, name: str) -> str:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def run() -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as workdir:
        with DevNet(Path(workdir) / "sqlite", ("KOR", "JPN")) as net:
            net.setup()
            net.start_all()
            cores = _idle(net, ["KOR", "JPN"], {})
        load = machine_load()
        for nation, share in cores.items():
            figures[f"idle node CPU, SQLite, {nation}"] = Figure(
                share, "cores", "one core", 1.0, f"{IDLE_SECONDS:.0f} s idle; {load}"
            )
        url = os.environ.get("GSOMIA_TEST_POSTGRES")
        if url:
            urls = {"KOR": _fresh(url, "bench_idle_kor"), "JPN": _fresh(url, "bench_idle_jpn")}
            with DevNet(Path(workdir) / "pg", ("KOR", "JPN"), database_urls=urls) as net:
                net.setup()
                net.launch("KOR", ["--workers", "2"])
                net.launch("JPN")
                net.wait_ready("KOR", 90)
                net.wait_ready("JPN", 90)
                names = {"KOR": "bench_idle_kor", "JPN": "bench_idle_jpn"}
                cores = _idle(net, ["KOR", "JPN"], names)
            load = machine_load()
            figures["idle node CPU, PostgreSQL --workers 2, KOR"] = Figure(
                cores["KOR"], "cores", "one core", 1.0, f"{IDLE_SECONDS:.0f} s idle; {load}"
            )
            figures["idle node CPU, PostgreSQL, JPN"] = Figure(
                cores["JPN"], "cores", "one core", 1.0, f"{IDLE_SECONDS:.0f} s idle; {load}"
            )
    return figures
