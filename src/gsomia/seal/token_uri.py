"""PKCS#11 URIs (RFC 7512) naming a node's keys in a hardware token, and where the PIN comes from.

`pkcs11:token=gsomia-kor;object=kor-node?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/gsomia/pin`

The path names the token (`token`, its CKA label) and the key objects (`object`, their
CKA_LABEL; the node's Ed25519 and X25519 keys share it and differ by CKA_ID). The query names
the module and the PIN's source: `pin-source=file:/path` (RFC 7512 §2.4's form; the file must
be readable by its owner only) or `pin-source=env:NAME` (a variable of the node's
environment). `pin-value` is refused: the URI goes into `config.toml`, and a PIN there would
be in clear at rest (ADR 0091). Parsing is pure; `read_pin` is the one edge that reads.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from gsomia.errors import UsageError

SCHEME = "pkcs11:"
#: Debian's SoftHSM2; any other module is named with `module-path`.
DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
_PATH_ATTRS = frozenset({"token", "object", "id", "type", "manufacturer", "model", "serial"})
_QUERY_ATTRS = frozenset({"module-path", "pin-source", "pin-value", "module-name"})
_HINT = "e.g. pkcs11:token=gsomia;object=node?pin-source=file:/etc/gsomia/pin"


@dataclass(frozen=True)
class TokenUri:
    """What a `pkcs11:` URI names. `text` is the URI as given (it holds no PIN)."""

    token: str
    object: str
    module_path: str
    pin_source: str
    text: str


def is_token_uri(text: str) -> bool:
    return text.startswith(SCHEME)


def _attributes(part: str, sep: str, allowed: frozenset[str], where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in filter(None, part.split(sep)):
        name, eq, value = pair.partition("=")
        if not eq or name not in allowed:
            raise UsageError(f"PKCS#11 URI: {name!r} is not a {where} attribute here", hint=_HINT)
        if name in found:
            raise UsageError(f"PKCS#11 URI: {name!r} is given twice", hint=_HINT)
        found[name] = unquote(value, errors="strict")
    return found


def parse_token_uri(text: str) -> TokenUri:
    """The token, object, module and PIN source `text` names; UsageError naming what is wrong."""
    if not is_token_uri(text):
        raise UsageError(f"{text!r} is not a PKCS#11 URI (it must begin with {SCHEME})", hint=_HINT)
    path, _, query = text.removeprefix(SCHEME).partition("?")
    try:
        attrs = _attributes(path, ";", _PATH_ATTRS, "path")
        options = _attributes(query, "&", _QUERY_ATTRS, "query")
    except UnicodeDecodeError as error:
        raise UsageError("PKCS#11 URI: a %-escape is not UTF-8", hint=_HINT) from error
    if "pin-value" in options:
        raise UsageError(
            "a PIN in the PKCS#11 URI would be kept in clear in config.toml",
            hint="put the PIN in a file only you can read, or in a variable, and name it with "
            "pin-source=file:/path or pin-source=env:NAME",
        )
    for needed, value in (("token", attrs.get("token")), ("object", attrs.get("object"))):
        if not value:
            raise UsageError(f"PKCS#11 URI: {needed}= is missing", hint=_HINT)
    source = options.get("pin-source", "")
    if not source.startswith(("file:", "env:")) or source in {"file:", "env:"}:
        raise UsageError(
            "PKCS#11 URI: pin-source=file:/path or pin-source=env:NAME is needed", hint=_HINT
        )
    return TokenUri(
        token=attrs["token"],
        object=attrs["object"],
        module_path=options.get("module-path", DEFAULT_MODULE),
        pin_source=source,
        text=text,
    )


def read_pin(uri: TokenUri, environ: Mapping[str, str] | None = None) -> str:
    """The PIN from `uri`'s pin source; UsageError when it is absent, empty or exposed."""
    kind, _, where = uri.pin_source.partition(":")
    if kind == "env":
        value = (os.environ if environ is None else environ).get(where, "")
        if not value:
            raise UsageError(f"the token PIN variable {where} is not set or empty")
        return value
    path = Path(unquote(where.removeprefix("//")))  # file:/p and file:///p both name /p
    try:
        mode = path.stat().st_mode
        value = path.read_text(encoding="utf-8").strip("\r\n")
    except OSError as error:
        raise UsageError(f"cannot read the token PIN file {path}: {error.strerror}") from error
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(f"token PIN file {path} is readable by others", hint=f"chmod 600 {path}")
    if not value:
        raise UsageError(f"the token PIN file {path} is empty")
    return value
