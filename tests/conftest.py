"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL, and a low-cost KDF."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from gsomia.seal import kdf
from gsomia.store.db import make_engine, migrate
from gsomia.store.scratch import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_admin_url_or_none,
)

__all__ = ["drop_postgres_database", "fresh_postgres_database"]

# Key directories made in this process are sealed under scrypt at its lowest accepted cost, so
# the hundreds of homes the suite makes stay fast (ADR 0074). Each directory records its cost,
# so a node process started on it needs nothing; `gsomia init` run as a subprocess, and
# tests/seal/test_seal_kdf.py, pay the production cost.
kdf.COST = kdf.Cost(n=2**10, r=8, p=1)

# Hypothesis's per-example deadline and its too-slow health check are wall-clock assertions:
# on a loaded shared machine they fail properties that hold (two treaty properties did at load
# 15). Tests here never assert time; benchmarks measure it.
settings.register_profile("gsomia", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("gsomia")


@pytest.fixture(scope="session", autouse=True)
def console_runtime_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The console keeps its tokens outside every home (ADR 0153): here, not in `/dev/shm`,
    for this run alone (node processes and CLI subprocesses inherit it)."""
    runtime = tmp_path_factory.mktemp("runtime")
    runtime.chmod(0o700)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GSOMIA_RUNTIME_DIR", str(runtime))
        yield runtime


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = postgres_admin_url_or_none()
    if url is None:
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432 (set GSOMIA_TEST_POSTGRES)")
    return url


@pytest.fixture
def postgres_engine(postgres_admin_url: str) -> Iterator[Engine]:
    """A fresh, migrated PostgreSQL database of its own, dropped afterwards."""
    url, name = fresh_postgres_database(postgres_admin_url)
    engine = make_engine(url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(postgres_admin_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend gsomia supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'node.db'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url, name = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An empty, migrated database on each backend. A module that needs rows in it first
    overrides this fixture and asks for `engine` itself, which is this one."""
    made = make_engine(database_url)
    migrate(made)
    yield made
    made.dispose()


SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SoftHSM2 token directory for this test process (ADR 0091). SoftHSM reads its
    configuration once per process, so there is one directory, and each test makes its own
    token in it (`hsm_uri`). Skipped only where SoftHSM2 is absent; CI installs it."""
    if not Path(SOFTHSM_MODULE).exists() or shutil.which("softhsm2-util") is None:
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2; .ci/run installs it)")
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    config = root / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\nslots.removable = false\n",
        encoding="utf-8",
    )
    os.environ["SOFTHSM2_CONF"] = str(config)  # node processes the tests start inherit it
    return root


@pytest.fixture
def hsm_uri(softhsm: Path, request: pytest.FixtureRequest) -> str:
    """A fresh SoftHSM2 token, its user PIN in a 0600 file; the `pkcs11:` URI of its keys."""
    label = "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    pin = "4821-" + label[-6:]
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label,
         "--so-pin", "so-" + pin, "--pin", pin],
        check=True,
        capture_output=True,
        env=os.environ,
    )  # fmt: skip
    pin_file = softhsm / f"{label}.pin"
    fd = os.open(pin_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(pin)
    return (
        f"pkcs11:token={label};object=node?module-path={SOFTHSM_MODULE}&pin-source=file:{pin_file}"
    )
