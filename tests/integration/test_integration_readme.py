"""The README's "Two nodes by hand", followed as written (issue 16): its shell blocks run in
order in an empty directory, the `gsomia serve` lines each as its own process, and the last
block ends with sato reading KOR's FLASH track on JPN's node.

Only the ports change: the README's fixed ones are swapped for free ones, so the test cannot
collide with anything else listening on this machine.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Two nodes by hand"


def blocks() -> list[str]:
    """The `sh` blocks of the README's section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.S)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def shell(tmp_path: Path) -> dict[str, str]:
    """An environment whose `gsomia` is this checkout's, run from `tmp_path`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "gsomia"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m gsomia "$@"\n')
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GSOMIA_")}
    return env | {"PATH": f"{bin_dir}:{env['PATH']}", "COLUMNS": "200"}


def run(script: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        proc.send_signal(signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_until_serving(home: Path, proc: subprocess.Popen[bytes]) -> None:
    """Until the node of `home` recorded where it listens and answers there."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"gsomia serve for {home} stopped"
        record = home / "serving.json"
        if record.exists():
            url = json.loads(record.read_text())["url"]
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"the node of {home} did not come up")


def test_the_readmes_two_nodes_by_hand(
    tmp_path: Path, shell: dict[str, str], servers: list[subprocess.Popen[bytes]]
) -> None:
    setup, serve, exchange = blocks()
    ports = sorted(set(re.findall(r"127\.0\.0\.1:(84\d\d)", setup + serve)))
    assert len(ports) == 4, ports  # two user listeners, two peer listeners
    for port in ports:
        fresh = str(free_port())
        setup, serve = (block.replace(f":{port}", f":{fresh}") for block in (setup, serve))
    work = tmp_path / "work"
    work.mkdir()
    env = shell | {"GSOMIA_PASSPHRASE": re.findall(r"GSOMIA_PASSPHRASE='([^']+)'", setup)[0]}
    run(setup, env, work)
    for line in serve.strip().splitlines():
        home = work / line.split("--home ", 1)[1].split()[0]
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {line}"],
            env=env,
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers.append(proc)
        wait_until_serving(home, proc)
    out = run(exchange, env, work)
    assert out.endswith("track 1"), out  # sato read KOR's FLASH track on JPN's node
    assert "極秘" in out  # held re-marked in JPN's scheme
