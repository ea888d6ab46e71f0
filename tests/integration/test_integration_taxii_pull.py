"""`gsomia taxii pull` from a partner tool's TAXII server (medallion, the OASIS reference) into
a real node: drafts keeping their STIX ids, once, and a partner's item refused."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stix2
from bench.medallion_server import COLLECTION, PASSWORD, USER, Medallion
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from otdf_python.tdf_reader import TDFReader
from tests.integration.conftest import MakeNet

from gsomia.devnet import DevNet
from gsomia.seal.ztdf import decrypt_payload, read_container
from gsomia.stix.objects import EXTENSION_ID

pytestmark = pytest.mark.integration

AGREEMENT, PURPOSE = "KOR-JPN-2016", "missile-warning"


@pytest.fixture
def tool(tmp_path: Path) -> Iterator[Medallion]:
    server = Medallion(tmp_path / "medallion")
    server.start()
    yield server
    server.stop()


def _pull(net: DevNet, tool: Medallion, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = net.nodes["KOR"]
    env = {**os.environ, "GSOMIA_TAXII_PASSWORD": PASSWORD, "GSOMIA_TOKEN": proc.tokens["kim"]}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "gsomia",
            "taxii",
            "pull",
            tool.api_root,
            "--collection",
            COLLECTION,
            "--agreement",
            AGREEMENT,
            "--purpose",
            PURPOSE,
            "--tool-user",
            USER,
            "--url",
            proc.url,
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_tools_objects_become_drafts_keeping_their_ids_once(
    make_net: MakeNet, tool: Medallion
) -> None:
    net = make_net(("KOR", "JPN"))
    net.start("KOR")
    indicator = stix2.Indicator(
        name="launch site beacon",
        description="seen before each launch",
        pattern="[ipv4-addr:value = '198.51.100.7']",
        pattern_type="stix",
    )
    malware = stix2.Malware(name="loader", description="dropper", is_family=False)
    foreign = stix2.Report(
        name="a JPN holding",
        description="theirs",
        published="2026-12-01T00:00:00Z",
        object_refs=[str(indicator.id)],
        extensions={
            EXTENSION_ID: {
                "extension_type": "property-extension",
                "originator_label": '{"OriginatorID":{"Value":"urn:gsomia:originator:JPN"}}',
            }
        },
    )
    with tool.client() as http:
        tool.add(http, [json.loads(o.serialize()) for o in (indicator, malware, foreign)])
    first = _pull(net, tool, "--level", "군사III급비밀")
    assert first.returncode == 4, first.stdout + first.stderr  # one refused, named
    assert "taken in 2 object(s)" in first.stdout
    assert "JPN's label" in first.stdout
    drafts = {i["id"]: i for i in net.client("KOR", "kim").items() if i["state"] == "draft"}
    wanted = {f"KOR-{str(o.id).partition('--')[2]}" for o in (indicator, malware)}
    assert set(drafts) == wanted
    assert {d["level"] for d in drafts.values()} == {"군사III급비밀"}
    bundle = net.client("KOR", "kim").export_stix(sorted(wanted))
    assert {o["id"] for o in bundle["objects"]} >= {indicator.id, malware.id}

    again = _pull(net, tool, "--level", "군사III급비밀")
    assert again.returncode == 4
    assert len([i for i in net.client("KOR", "kim").items() if i["state"] == "draft"]) == 2

    unmarked = _pull(net, tool)  # no --level: none of them names one
    assert "names no classification" in unmarked.stdout

    # `gsomia item export ID --format stix`: the bundle as a tool reads it, the id kept.
    proc = net.nodes["KOR"]
    exported = subprocess.run(
        [sys.executable, "-m", "gsomia", "item", "export", sorted(wanted)[0], "--url", proc.url],
        env={**os.environ, "GSOMIA_TOKEN": proc.tokens["kim"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    bundle = json.loads(exported.stdout)
    assert bundle["type"] == "bundle"
    assert f"--{sorted(wanted)[0].removeprefix('KOR-')}" in {
        "--" + o["id"].partition("--")[2] for o in bundle["objects"]
    }

    # `gsomia item export ID --format ztdf`: the container, its key from the node's KAS route.
    tdf = tool.workdir / "item.tdf"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "gsomia",
            "item",
            "export",
            sorted(wanted)[0],
            "--format",
            "ztdf",
            "--out",
            str(tdf),
            "--url",
            proc.url,
        ],
        env={**os.environ, "GSOMIA_TOKEN": proc.tokens["kim"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    manifest = json.loads(TDFReader(io.BytesIO(tdf.read_bytes())).manifest())
    access = manifest["encryptionInformation"]["keyAccess"][0]
    assert access["url"] == f"{proc.url}/api/v1/kas"
    requester = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        requester.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    answer = httpx.post(
        f"{access['url']}/v2/rewrap",
        json={
            "keyAccess": access,
            "policy": manifest["encryptionInformation"]["policy"],
            "clientPublicKey": public,
        },
        headers={"Authorization": f"Bearer {proc.tokens['kim']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    key = requester.decrypt(base64.b64decode(answer.json()["entityWrappedKey"]), oaep)
    _, payload = read_container(tdf.read_bytes())
    assert json.loads(decrypt_payload(key, manifest, payload))["id"] in {indicator.id, malware.id}
