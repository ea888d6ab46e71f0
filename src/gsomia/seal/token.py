"""A node's Ed25519 and X25519 keys held in a PKCS#11 token (a hardware security module).

The token signs (CKM_EDDSA) and does the X25519 Diffie-Hellman of decapsulation
(CKM_ECDH1_DERIVE); the private keys never leave it (CKA_SENSITIVE, not extractable). What
the rest of the node sees are `TokenEd25519` and `TokenX25519`, which answer `sign`,
`exchange` and `public_key` as `cryptography`'s private keys do, so JOSE, batches, notes and
the card do not know where a key lives. ML-DSA, ML-KEM, the TLS key and the storage key stay
in software (ADR 0091 says why).

One session is opened per token and process and kept while the node runs; a PKCS#11 session
serves one call at a time, so every call takes the token's lock. A session does not cross a
fork (`gsomia serve --workers N` opens the keys in the parent, then forks, ADR 0111): a child
finds its first call in a session of another process, initialises the module afresh, logs
in with the PIN read at the start and finds its keys again. SoftHSM2 2.6 knows X25519
only as an EC_EDWARDS key on the curve25519 OID (PKCS#11 3.0 would call it EC_MONTGOMERY);
both are created that way and found by their CKA_ID.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import pkcs11
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.util.ec import encode_named_curve_parameters

from gsomia.errors import Conflict, UsageError
from gsomia.seal.token_uri import TokenUri, read_pin

SIG_ID = b"gsomia-sig-ed25519"
KEM_ID = b"gsomia-kem-x25519"
_ED25519_OID = "1.3.101.112"
_X25519_OID = "1.3.101.110"
_RAW = 32

_LIBS: dict[str, Any] = {}
_LIBS_LOCK = threading.Lock()


class _Login:
    """The logged-in session on one token, for this process (`live` opens another after a
    fork). PKCS#11 logs in an application, not a session, so there is one per token."""

    def __init__(self, module: str, label: str, session: Any, pin: str) -> None:
        self.module, self.label = module, label
        self.session = session
        self.pin = pin  # kept, as the keys are, to log in again in a forked child
        self.pid = os.getpid()
        self.lock = threading.Lock()

    def live(self) -> Any:
        """The session, opened again first if this is a child forked since (under `lock`)."""
        if self.pid != os.getpid():
            lib = _lib(self.module)
            lib.reinitialize()  # the child's own C_Initialize: the parent's state is not ours
            self.session = lib.get_token(token_label=self.label).open(rw=True, user_pin=self.pin)
            self.pid = os.getpid()
        return self.session


#: One login per token and process: a second login (a home made, then loaded, in one
#: process) would be refused by the token.
_SESSIONS: dict[tuple[str, str], tuple[_Login, bytes]] = {}


def _after_fork() -> None:
    """Locks another thread of the parent held at the fork stay held in the child: renew them."""
    global _LIBS_LOCK  # noqa: PLW0603 - the module's one lock, renewed in a forked child
    _LIBS_LOCK = threading.Lock()
    for login, _ in _SESSIONS.values():
        login.lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _lib(path: str) -> Any:
    with _LIBS_LOCK:
        if path not in _LIBS:
            try:
                _LIBS[path] = pkcs11.lib(path)
            except (OSError, RuntimeError) as error:
                raise UsageError(
                    f"cannot load the PKCS#11 module {path}: {error}",
                    hint="install the token's module (softhsm2 for SoftHSM) or name it with "
                    "module-path= in the URI",
                ) from error
        return _LIBS[path]


@dataclass
class Token:
    """A logged-in session on the token a URI names (see `open_token`)."""

    uri: TokenUri
    login: _Login = field(repr=False)
    _handles: dict[tuple[int, bytes], Any] = field(default_factory=dict, repr=False)

    @property
    def lock(self) -> threading.Lock:
        return self.login.lock

    @property
    def session(self) -> Any:
        """The session of this process (call under `lock`)."""
        return self.login.live()

    def private(self, key_id: bytes) -> Any:
        """The private key `key_id`, found once per process (call under `lock`)."""
        session = self.session
        key = (self.login.pid, key_id)
        if key not in self._handles:
            self._handles[key] = self._find(key_id, ObjectClass.PRIVATE_KEY, session)
        return self._handles[key]

    def _find(self, key_id: bytes, object_class: ObjectClass, session: Any = None) -> Any:
        found = list(
            (session or self.session).get_objects(
                {
                    Attribute.LABEL: self.uri.object,
                    Attribute.ID: key_id,
                    Attribute.CLASS: object_class,
                }
            )
        )
        if len(found) != 1:
            raise UsageError(
                f"token {self.uri.token!r} holds {len(found)} keys labelled "
                f"{self.uri.object!r} with id {key_id.decode()} (one is needed)",
                hint="check object= in the URI, or make the keys: gsomia init --keys URI",
            )
        return found[0]

    def holds_keys(self) -> bool:
        with self.lock:
            return any(True for _ in self.session.get_objects({Attribute.LABEL: self.uri.object}))

    def signer(self) -> TokenEd25519:
        with self.lock:
            self.private(SIG_ID)
            public = _point(self._find(SIG_ID, ObjectClass.PUBLIC_KEY))
        return TokenEd25519(self, ed25519.Ed25519PublicKey.from_public_bytes(public))

    def kem(self) -> TokenX25519:
        with self.lock:
            self.private(KEM_ID)
            public = _point(self._find(KEM_ID, ObjectClass.PUBLIC_KEY))
        return TokenX25519(self, x25519.X25519PublicKey.from_public_bytes(public))

    def generate(self) -> tuple[TokenX25519, TokenEd25519]:
        """New X25519 and Ed25519 key pairs on the token, under the URI's object label;
        Conflict if the token holds keys of that label already (they are never replaced)."""
        if self.holds_keys():
            raise Conflict(
                f"token {self.uri.token!r} already holds keys labelled {self.uri.object!r}",
                hint="name another object= in the URI; keys on a token are never overwritten",
            )
        for oid, key_id, flags in (
            (_X25519_OID, KEM_ID, MechanismFlag.DERIVE),
            (_ED25519_OID, SIG_ID, MechanismFlag.SIGN | MechanismFlag.VERIFY),
        ):
            with self.lock:
                params = self.session.create_domain_parameters(
                    KeyType.EC_EDWARDS,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(oid)},
                    local=True,
                )
                params.generate_keypair(
                    store=True,
                    label=self.uri.object,
                    id=key_id,
                    mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                    capabilities=flags,
                    private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
                )
        return self.kem(), self.signer()


def _point(public: Any) -> bytes:
    """The raw 32 bytes of an EC_POINT (a DER OCTET STRING, or raw on some tokens)."""
    point = bytes(public[Attribute.EC_POINT])
    if len(point) == _RAW + 2 and point[:2] == b"\x04\x20":
        return point[2:]
    if len(point) == _RAW:
        return point
    raise UsageError("the token's public key is not a 32-byte curve25519 point")


@dataclass(frozen=True)
class TokenEd25519:
    """An Ed25519 private key in a token: signs there (CKM_EDDSA)."""

    token: Token = field(repr=False)
    public: ed25519.Ed25519PublicKey = field(repr=False)

    def sign(self, data: bytes) -> bytes:
        with self.token.lock:
            try:
                key = self.token.private(SIG_ID)
                signature: bytes = key.sign(data, mechanism=Mechanism.EDDSA)
            except p11.PKCS11Error as error:
                raise _named(self.token.uri, error) from error
        return signature

    def public_key(self) -> ed25519.Ed25519PublicKey:
        return self.public


@dataclass(frozen=True)
class TokenX25519:
    """An X25519 private key in a token: the Diffie-Hellman of decapsulation happens there
    (CKM_ECDH1_DERIVE, no KDF); only the shared secret comes out, as HPKE needs it."""

    token: Token = field(repr=False)
    public: x25519.X25519PublicKey = field(repr=False)

    def exchange(self, peer: x25519.X25519PublicKey) -> bytes:
        with self.token.lock:
            try:
                secret = self.token.private(KEM_ID).derive_key(
                    KeyType.GENERIC_SECRET,
                    _RAW * 8,
                    mechanism=Mechanism.ECDH1_DERIVE,
                    mechanism_param=(pkcs11.KDF.NULL, None, peer.public_bytes_raw()),
                    template={Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True},
                )
                try:
                    value = bytes(secret[Attribute.VALUE])
                finally:
                    secret.destroy()  # a session object: gone now, not when the node stops
            except p11.PKCS11Error as error:
                raise _named(self.token.uri, error) from error
        if value == bytes(_RAW):  # RFC 7748 §6.1: an all-zero secret means a low-order point
            raise ValueError("X25519 exchange with a low-order point")
        return value

    def public_key(self) -> x25519.X25519PublicKey:
        return self.public


def _named(uri: TokenUri, error: Exception) -> UsageError:
    if isinstance(error, p11.DeviceRemoved | p11.TokenNotPresent | p11.SessionClosed):
        return UsageError(
            f"token {uri.token!r} is no longer reachable ({type(error).__name__})",
            hint="reconnect the token and restart the node",
        )
    return UsageError(f"token {uri.token!r} refused the operation ({type(error).__name__})")


def open_token(uri: TokenUri, pin: str | None = None) -> Token:
    """A logged-in session on `uri`'s token, the PIN read from its pin source unless given;
    UsageError naming the problem: module missing, token missing, wrong or locked PIN."""
    lib = _lib(uri.module_path)
    secret = read_pin(uri) if pin is None else pin
    digest = hashlib.sha256(secret.encode("utf-8")).digest()
    with _LIBS_LOCK:
        known = _SESSIONS.get((uri.module_path, uri.token))
    if known is not None:
        login, pin_digest = known
        if not hmac.compare_digest(pin_digest, digest):
            raise UsageError(f"wrong PIN for token {uri.token!r}", hint=f"check {uri.pin_source}")
        return Token(uri, login)
    try:
        token = lib.get_token(token_label=uri.token)
    except p11.NoSuchToken:
        with _LIBS_LOCK:  # a token made after the module was loaded (SoftHSM scans at start)
            lib.reinitialize()  # which ends this process's sessions on the module
            for key in [k for k in _SESSIONS if k[0] == uri.module_path]:
                del _SESSIONS[key]
        try:
            token = lib.get_token(token_label=uri.token)
        except p11.NoSuchToken:
            raise UsageError(
                f"no token labelled {uri.token!r} in {uri.module_path}",
                hint="plug the token in, or check token= in the URI",
            ) from None
    except p11.MultipleTokensReturned:
        raise UsageError(f"more than one token is labelled {uri.token!r}") from None
    try:
        session = token.open(rw=True, user_pin=secret)
    except (p11.PinIncorrect, p11.PinLenRange, p11.PinInvalid):
        raise UsageError(
            f"wrong PIN for token {uri.token!r}",
            hint=f"check what {uri.pin_source} holds; tokens lock after a few wrong PINs",
        ) from None
    except p11.PinLocked:
        raise UsageError(
            f"the PIN of token {uri.token!r} is locked",
            hint="its security officer must unlock it",
        ) from None
    except p11.PKCS11Error as error:
        raise UsageError(
            f"cannot open token {uri.token!r}: {type(error).__name__}",
            hint="check that the token is present and initialised",
        ) from error
    login = _Login(uri.module_path, uri.token, session, secret)
    with _LIBS_LOCK:
        _SESSIONS[uri.module_path, uri.token] = (login, digest)
    return Token(uri, login)
