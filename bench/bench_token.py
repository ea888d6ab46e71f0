"""Node keys in a PKCS#11 token (SoftHSM2, ADR 0091) against the same keys in software.

Each figure is measured next to its anchor in the same run: an Ed25519 signature made by the
token against one made by `cryptography`, and the opening of a 1 KiB pq message (X-Wing HPKE,
the X25519 Diffie-Hellman in the token, the rest in `seal.hpke_open`) against
`cryptography`'s own HPKE open with both keys in memory. A node signs once per batch and opens
once per message, so these bound what a token costs a node.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mlkem, x25519

from bench.figures import Figure, machine_load
from bench.floors import rate
from gsomia.seal.hpke_open import open_xwing
from gsomia.seal.token import open_token
from gsomia.seal.token_uri import parse_token_uri

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def run() -> dict[str, Figure]:
    if not Path(MODULE).exists() or shutil.which("softhsm2-util") is None:
        print("SoftHSM2 is not installed: no token figures")
        return {}
    root = Path(tempfile.mkdtemp(prefix="bench-token-"))
    (root / "tokens").mkdir()
    (root / "softhsm2.conf").write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n",
        encoding="utf-8",
    )
    os.environ["SOFTHSM2_CONF"] = str(root / "softhsm2.conf")  # read when the module loads
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", "bench",
         "--so-pin", "so-bench-0000", "--pin", "bench-0000"],
        check=True, capture_output=True,
    )  # fmt: skip
    uri = parse_token_uri(f"pkcs11:token=bench;object=node?module-path={MODULE}&pin-source=env:X")
    kem, signer = open_token(uri, "bench-0000").generate()
    software = ed25519.Ed25519PrivateKey.generate()
    message = os.urandom(200)  # a batch head is about this size
    token_sign = rate(lambda: signer.sign(message), 3.0)
    soft_sign = rate(lambda: software.sign(message), 3.0)

    ml, xk = mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    held = hpke.MLKEM768X25519PublicKey(ml.public_key(), kem.public_key())
    in_memory = hpke.MLKEM768X25519PrivateKey(ml, xk)
    to_token = suite.encrypt(os.urandom(1024), held, info=b"bench")
    to_memory = suite.encrypt(os.urandom(1024), in_memory.public_key(), info=b"bench")
    public = kem.public_key().public_bytes_raw()
    token_open = rate(lambda: open_xwing(ml, kem.exchange, public, to_token, b"bench"), 3.0)
    soft_open = rate(lambda: suite.decrypt(to_memory, in_memory, info=b"bench"), 3.0)
    shutil.rmtree(root, ignore_errors=True)
    load = machine_load()
    return {
        "token_ed25519_sign_per_s": Figure(
            token_sign, "signatures/s", "cryptography Ed25519 sign, same run", soft_sign,
            note=f"SoftHSM2 2.6 through python-pkcs11, one session; {load}",
        ),
        "token_pq_open_1k_per_s": Figure(
            token_open, "opens/s", "cryptography HPKE open, keys in memory, same run", soft_open,
            note=f"X-Wing with the X25519 DH in SoftHSM2 (CKM_ECDH1_DERIVE); {load}",
        ),
    }  # fmt: skip
