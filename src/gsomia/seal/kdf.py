"""The key directory's passphrase, stretched by scrypt before it opens anything (ADR 0074).

Encrypted PKCS#8 under `BestAvailableEncryption` derives its key with PBKDF2 at 2,048
iterations: about 1,500 guesses a second on one core against a stolen key file. So the
operator's passphrase never reaches PKCS#8 directly: scrypt (n=2^16, r=8, p=1: 64 MiB and a
few tenths of a second per guess) turns it into the secret every key file of the directory is
sealed under, with a salt and the parameters kept in `keys/kdf.json`. A directory without that
file was made before (the passphrase itself is the secret); `gsomia identity rewrap` moves it
over. A new passphrase must be long and varied enough (`check_strength`), said plainly when not.
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gsomia.errors import UsageError

KDF_FILE = "kdf.json"
KDF_FORMAT = "gsomia-kdf/1"
MIN_LENGTH = 12
MIN_BITS = 60
MIN_DISTINCT = 6


@dataclass(frozen=True)
class Cost:
    """scrypt's parameters: CPU/memory cost `n` (a power of two), block size `r`, lanes `p`."""

    n: int
    r: int
    p: int

    def check(self) -> None:
        """Refuse parameters no node writes: a file edited to make loading hang or trivial."""
        if not (2**10 <= self.n <= 2**20 and self.n & (self.n - 1) == 0):
            raise UsageError(f"scrypt n={self.n} is outside 2^10..2^20 or not a power of two")
        if not (1 <= self.r <= 32 and 1 <= self.p <= 16):
            raise UsageError(f"scrypt r={self.r}, p={self.p} are outside what gsomia writes")


#: What a new or rewrapped key directory is sealed under: 64 MiB of memory per guess.
PRODUCTION = Cost(n=2**16, r=8, p=1)
#: The cost in use. The test suite lowers it once, in tests/conftest.py, so that hundreds of
#: homes stay fast; the cost a directory was made with is in its kdf.json, so loading never
#: depends on this.
COST = PRODUCTION


def estimated_bits(passphrase: str) -> float:
    """A conservative guess at the passphrase's strength: its length times the bits of the
    smallest alphabet holding its character classes (lower, upper, digits, the rest)."""
    alphabet = 0
    alphabet += 26 if any(c.islower() for c in passphrase) else 0
    alphabet += 26 if any(c.isupper() for c in passphrase) else 0
    alphabet += 10 if any(c.isdigit() for c in passphrase) else 0
    alphabet += 33 if any(not c.isalnum() for c in passphrase) else 0
    alphabet += 100 if any(not c.isascii() for c in passphrase) else 0
    return len(passphrase) * math.log2(max(alphabet, 2))


def check_strength(passphrase: str) -> None:
    """`UsageError` saying what is wrong with a passphrase too weak to protect node keys."""
    if not passphrase:
        raise UsageError(
            "an empty passphrase is not allowed",
            hint="set GSOMIA_PASSPHRASE or type a passphrase at the prompt",
        )
    problems = []
    if len(passphrase) < MIN_LENGTH:
        problems.append(f"it has {len(passphrase)} characters; at least {MIN_LENGTH} are needed")
    if len(set(passphrase)) < MIN_DISTINCT:
        problems.append(f"it uses fewer than {MIN_DISTINCT} different characters")
    if estimated_bits(passphrase) < MIN_BITS:
        problems.append(f"it is guessable (about {estimated_bits(passphrase):.0f} bits)")
    if problems:
        raise UsageError(
            "the key passphrase is too weak: " + "; ".join(problems),
            hint=f"use {MIN_LENGTH}+ characters mixing words, digits and symbols, e.g. "
            "four or five random words",
        )


def derive(passphrase: str, salt: bytes, cost: Cost) -> bytes:
    """The directory's secret: scrypt of the passphrase, as printable bytes (OpenSSL takes
    PKCS#8 and TLS key passwords as text)."""
    key = Scrypt(salt=salt, length=32, n=cost.n, r=cost.r, p=cost.p).derive(
        passphrase.encode("utf-8")
    )
    return base64.urlsafe_b64encode(key).rstrip(b"=")


def new_secret(directory: Path, passphrase: str, cost: Cost | None = None) -> bytes:
    """Check `passphrase`, write a fresh salt and `cost` to `directory`/kdf.json, and give the
    secret to seal the directory's keys under."""
    check_strength(passphrase)
    chosen = cost or COST
    chosen.check()
    salt = secrets.token_bytes(16)
    document = {
        "format": KDF_FORMAT,
        "alg": "scrypt",
        "n": chosen.n,
        "r": chosen.r,
        "p": chosen.p,
        "salt": base64.urlsafe_b64encode(salt).rstrip(b"=").decode("ascii"),
    }
    fd = os.open(directory / KDF_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(json.dumps(document, indent=1).encode("ascii") + b"\n")
    return derive(passphrase, salt, chosen)


def is_legacy(directory: Path) -> bool:
    """Whether the directory's keys are sealed under the bare passphrase (no kdf.json)."""
    return not (directory / KDF_FILE).exists()


def secret(directory: Path, passphrase: str) -> bytes:
    """The secret `directory`'s keys are sealed under: scrypt as its kdf.json says, or the
    passphrase itself for a directory made before (`is_legacy`). Never for an empty one."""
    if not passphrase:
        raise UsageError(
            "an empty passphrase is not allowed",
            hint="set GSOMIA_PASSPHRASE or type a passphrase at the prompt",
        )
    if is_legacy(directory):
        return passphrase.encode("utf-8")
    path = directory / KDF_FILE
    try:
        document: Any = json.loads(path.read_bytes())
        if document["format"] != KDF_FORMAT or document["alg"] != "scrypt":
            raise UsageError(f"{path} is not a {KDF_FORMAT} scrypt file")
        cost = Cost(int(document["n"]), int(document["r"]), int(document["p"]))
        salt = base64.urlsafe_b64decode(document["salt"] + "=" * (-len(document["salt"]) % 4))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{path} is not readable: {error}") from error
    cost.check()
    return derive(passphrase, salt, cost)
