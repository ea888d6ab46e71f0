"""medallion 3.0, the OASIS reference TAXII 2.1 server (memory backend), in its own process:
the anchor of `bench_taxii` and a partner tool's server in the TAXII pull tests."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from gsomia.devnet import free_port

ROOT = "api1"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
USER, PASSWORD = "analyst", "medallion-pass"
TAXII = "application/taxii+json;version=2.1"


class Medallion:
    """One medallion process on loopback, with one API root and one empty collection."""

    def __init__(self, workdir: Path, *, page_size: int = 1000) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.page_size = page_size
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_root(self) -> str:
        return f"{self.url}/{ROOT}/"

    @property
    def objects_url(self) -> str:
        return f"{self.api_root}collections/{COLLECTION}/objects/"

    def _data(self) -> dict[str, Any]:
        return {
            "/discovery": {
                "title": "medallion",
                "default": self.api_root,
                "api_roots": [self.api_root],
            },
            ROOT: {
                "information": {
                    "title": "analyst tool",
                    "versions": [TAXII],
                    "max_content_length": 1 << 30,
                },
                "status": [],
                "collections": [
                    {
                        "id": COLLECTION,
                        "title": "analyst output",
                        "can_read": True,
                        "can_write": True,
                        "media_types": ["application/stix+json;version=2.1"],
                        "objects": [],
                        "manifest": [],
                    }
                ],
            },
        }

    def start(self, wait: float = 30.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        data, config = self.workdir / "data.json", self.workdir / "config.json"
        data.write_text(json.dumps(self._data()))
        backend = {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(data),
        }
        config.write_text(
            json.dumps(
                {
                    "backend": backend,
                    "users": {USER: PASSWORD},
                    "taxii": {"max_page_size": self.page_size},
                }
            )
        )
        log = (self.workdir / "medallion.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "medallion.scripts.run", "--port", str(self.port), str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if self.client().get(f"{self.url}/taxii2/").status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"medallion did not start; see {self.workdir / 'medallion.log'}")

    def client(self) -> httpx.Client:
        headers = {"Accept": TAXII, "Content-Type": TAXII}
        return httpx.Client(auth=(USER, PASSWORD), headers=headers, timeout=600)

    def add(self, http: httpx.Client, objects: list[dict[str, Any]]) -> None:
        answer = http.post(self.objects_url, json={"objects": objects})
        answer.raise_for_status()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
