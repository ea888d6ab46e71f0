"""Node keys in a PKCS#11 token (ADR 0091), on a real SoftHSM2 token made per test.

The token signs with Ed25519 and does X25519's Diffie-Hellman; what it signs verifies under
the card's public keys, and what a software node seals to it opens. The PIN never sits in the
URI, and each way of getting the token wrong is named.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from pkcs11 import Attribute, ObjectClass

from gsomia.errors import Conflict, UsageError
from gsomia.seal import (
    generate_node_keys,
    load_node_keys,
    make_card,
    open_token,
    parse_card,
    parse_token_uri,
    write_node_keys,
)
from gsomia.seal.envelope import open_envelope, seal_envelope
from gsomia.seal.hpke_open import open_x25519, open_xwing
from gsomia.seal.keys import TOKEN_FILES
from gsomia.seal.notes import ed25519_verify, node_note_key
from gsomia.seal.sealed import Plain, open_batch, seal_batch
from gsomia.seal.token import Token, TokenEd25519, TokenX25519
from gsomia.seal.token_uri import read_pin

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
ALL = ("pq", "cnsa2", "classic")
PASSPHRASE = "correct horse battery staple token"
HEADER = {"type": "gsomia-item/1", "label": {"classification": "군사II급비밀"}, "title": "t"}
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}


# --- the URI: pure ---------------------------------------------------------------------------

GOOD = "pkcs11:token=gsomia%20kor;object=node?pin-source=file:/etc/gsomia/pin"


@pytest.mark.parametrize(
    ("uri", "token", "obj", "module", "source"),
    [
        (GOOD, "gsomia kor", "node", "/usr/lib/softhsm/libsofthsm2.so", "file:/etc/gsomia/pin"),
        (
            "pkcs11:object=k;token=T?module-path=/opt/hsm.so&pin-source=env:HSM_PIN",
            "T",
            "k",
            "/opt/hsm.so",
            "env:HSM_PIN",
        ),
    ],
)
def test_a_uri_names_token_object_module_and_pin_source(
    uri: str, token: str, obj: str, module: str, source: str
) -> None:
    parsed = parse_token_uri(uri)
    assert (parsed.token, parsed.object, parsed.module_path, parsed.pin_source) == (
        token,
        obj,
        module,
        source,
    )


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("pkcs11:token=T;object=o?pin-value=1234", "in clear"),
        ("pkcs11:token=T;object=o?pin-source=file:/p&pin-value=1234", "in clear"),
        ("pkcs11:token=T;object=o", "pin-source"),
        ("pkcs11:token=T;object=o?pin-source=http://x/pin", "pin-source"),
        ("pkcs11:token=T;object=o?pin-source=env:", "pin-source"),
        ("pkcs11:object=o?pin-source=env:P", "token= is missing"),
        ("pkcs11:token=T?pin-source=env:P", "object= is missing"),
        ("pkcs11:token=T;token=U;object=o?pin-source=env:P", "twice"),
        ("pkcs11:token=T;colour=red;object=o?pin-source=env:P", "'colour'"),
        ("pkcs11:token=%ff;object=o?pin-source=env:P", "UTF-8"),
        ("file:/keys", "not a PKCS#11 URI"),
    ],
)
def test_a_bad_uri_is_refused_naming_what_is_wrong(uri: str, named: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_token_uri(uri)
    assert named in str(caught.value)


def test_the_pin_comes_from_a_private_file_or_a_variable(tmp_path: Path) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text("1234\n", encoding="utf-8")
    os.chmod(pin_file, 0o600)
    assert read_pin(parse_token_uri(f"pkcs11:token=T;object=o?pin-source=file:{pin_file}")) == (
        "1234"
    )
    os.chmod(pin_file, 0o644)
    with pytest.raises(UsageError, match="readable by others"):
        read_pin(parse_token_uri(f"pkcs11:token=T;object=o?pin-source=file:{pin_file}"))
    env = parse_token_uri("pkcs11:token=T;object=o?pin-source=env:HSM_PIN")
    assert read_pin(env, {"HSM_PIN": "9876"}) == "9876"
    with pytest.raises(UsageError, match="HSM_PIN is not set"):
        read_pin(env, {})


# --- HPKE open with the Diffie-Hellman elsewhere: against cryptography's own seal ---------------


@pytest.mark.parametrize("info", [b"", b"gsomia-answers/2", bytes(range(200))])
def test_hand_open_reads_what_cryptography_sealed_classic_and_pq(info: bytes) -> None:
    sk = x25519.X25519PrivateKey.generate()
    public = sk.public_key().public_bytes_raw()
    classic = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    sealed = classic.encrypt(b"classic message", sk.public_key(), info=info)
    assert open_x25519(sk.exchange, public, sealed, info) == b"classic message"
    mk = mlkem.MLKEM768PrivateKey.generate()
    hybrid = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    pub = hpke.MLKEM768X25519PublicKey(mk.public_key(), sk.public_key())
    sealed = hybrid.encrypt(b"pq message", pub, info=info)
    assert open_xwing(mk, sk.exchange, public, sealed, info) == b"pq message"
    with pytest.raises(Exception, match=r"InvalidTag|^$"):
        open_xwing(mk, sk.exchange, public, sealed, info + b"x")  # another context: no


# --- a real token ------------------------------------------------------------------------------


def test_the_token_signs_and_exchanges_and_keeps_the_private_keys(hsm_uri: str) -> None:
    token = open_token(parse_token_uri(hsm_uri))
    kem, signer = token.generate()
    signature = signer.sign(b"checkpoint")
    signer.public_key().verify(signature, b"checkpoint")
    other = x25519.X25519PrivateKey.generate()
    assert kem.exchange(other.public_key()) == other.exchange(kem.public_key())
    for key in token.session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}):
        assert key[Attribute.SENSITIVE]
        assert not key[Attribute.EXTRACTABLE]
    with pytest.raises(Conflict, match="already holds keys"):
        token.generate()


def test_a_pq_node_with_token_keys_signs_and_opens_for_software_nodes(
    hsm_uri: str, tmp_path: Path
) -> None:
    token = open_token(parse_token_uri(hsm_uri))
    kor_keys = generate_node_keys("pq", nation="KOR", now=NOW, token=token)
    assert isinstance(kor_keys.kem[1], TokenX25519)
    assert isinstance(kor_keys.signers[0], TokenEd25519)
    kor_card = parse_card(make_card(kor_keys, nation="KOR", name="K", created=NOW).to_bytes())
    jpn_keys = generate_node_keys("pq", nation="JPN", now=NOW)
    jpn_card = parse_card(make_card(jpn_keys, nation="JPN", name="J", created=NOW).to_bytes())
    plains = [Plain(f"m{i}", "item", HEADER, bytes([i]) * 700) for i in range(3)]
    # KOR (token) seals and signs for JPN (software); JPN (software) for KOR (token)
    to_jpn = seal_batch(plains, keys=kor_keys, sender="KOR", recipient=jpn_card, now=NOW)
    _, opened = open_batch(to_jpn, keys=jpn_keys, sender=kor_card)
    assert [o.plain.content for o in opened] == [p.content for p in plains]  # type: ignore[union-attr]
    to_kor = seal_batch(plains, keys=jpn_keys, sender="JPN", recipient=kor_card, now=NOW)
    _, opened = open_batch(to_kor, keys=kor_keys, sender=jpn_card)
    assert [o.plain.content for o in opened] == [p.content for p in plains]  # type: ignore[union-attr]
    note = node_note_key(kor_keys)
    assert note is not None
    assert ed25519_verify(note.public_key, b"tree head", note.sign(b"tree head"))
    # the v1 JOSE envelope, both ways
    env = seal_envelope(b"x", label=LABEL, keys=jpn_keys, recipients=[kor_card], now=NOW)
    assert (
        open_envelope(env, keys=kor_keys, senders=[jpn_card], allowed_profiles=ALL).content == b"x"
    )
    env = seal_envelope(b"y", label=LABEL, keys=kor_keys, recipients=[jpn_card], now=NOW)
    assert (
        open_envelope(env, keys=jpn_keys, senders=[kor_card], allowed_profiles=ALL).content == b"y"
    )
    # files hold only what the token does not; loading finds the token's keys again
    written = write_node_keys(tmp_path / "keys", kor_keys, PASSPHRASE)
    assert not any((tmp_path / "keys" / name).exists() for name in TOKEN_FILES)
    loaded = load_node_keys(tmp_path / "keys", PASSPHRASE, "pq", token)
    assert loaded.key_id == written.key_id == kor_card.key_id
    with pytest.raises(UsageError, match="cannot read key file"):
        load_node_keys(tmp_path / "keys", PASSPHRASE, "pq")  # without the token: named


def test_a_classic_node_with_token_keys_answers_a_software_node(hsm_uri: str) -> None:
    token = open_token(parse_token_uri(hsm_uri))
    keys = generate_node_keys("classic", nation="KOR", now=NOW, token=token)
    card = parse_card(make_card(keys, nation="KOR", name="K", created=NOW).to_bytes())
    other = generate_node_keys("classic", nation="JPN", now=NOW)
    other_card = parse_card(make_card(other, nation="JPN", name="J", created=NOW).to_bytes())
    env = seal_envelope(b"c", label=LABEL, keys=other, recipients=[card], now=NOW)
    assert open_envelope(env, keys=keys, senders=[other_card], allowed_profiles=ALL).content == b"c"
    env = seal_envelope(b"d", label=LABEL, keys=keys, recipients=[other_card], now=NOW)
    assert open_envelope(env, keys=other, senders=[card], allowed_profiles=ALL).content == b"d"
    plains = [Plain("m0", "item", HEADER, b"z" * 100)]
    batch = seal_batch(plains, keys=other, sender="JPN", recipient=card, now=NOW)
    assert open_batch(batch, keys=keys, sender=other_card)[1][0].plain.content == b"z" * 100  # type: ignore[union-attr]


def test_cnsa2_keeps_its_keys_in_files(hsm_uri: str) -> None:
    token = open_token(parse_token_uri(hsm_uri))
    with pytest.raises(UsageError, match="pq and classic"):
        generate_node_keys("cnsa2", token=token)


def test_wrong_pin_missing_token_missing_object_and_missing_module_are_named(
    hsm_uri: str, tmp_path: Path
) -> None:
    uri = parse_token_uri(hsm_uri)
    with pytest.raises(UsageError, match="wrong PIN"):
        open_token(uri, "not-the-pin")
    absent = parse_token_uri(hsm_uri.replace("token=", "token=absent"))
    with pytest.raises(UsageError, match="no token labelled"):
        open_token(absent)
    token: Token = open_token(uri)
    with pytest.raises(UsageError, match="holds 0 keys labelled 'node'"):
        token.signer()
    module = parse_token_uri(hsm_uri.replace("module-path=", f"module-path={tmp_path}/none"))
    with pytest.raises(UsageError, match="cannot load the PKCS#11 module"):
        open_token(module)


def test_a_forked_child_signs_and_opens_in_a_session_of_its_own(hsm_uri: str) -> None:
    """`gsomia serve --workers N` opens the keys, then forks (ADR 0111): a PKCS#11 session
    does not cross a fork, so the child logs in again on its first call, and the parent's
    session goes on."""
    token = open_token(parse_token_uri(hsm_uri))
    kem, signer = token.generate()
    signer.sign(b"the parent signs before the fork")
    peer = x25519.X25519PrivateKey.generate()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it made, then leave without pytest's teardown
        code = 1
        try:
            made = signer.sign(b"child") + kem.exchange(peer.public_key())
            os.write(write_end, made + (b"own" if token.login.pid == os.getpid() else b"old"))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        made = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    signer.public_key().verify(made[:64], b"child")
    assert made[64:96] == peer.exchange(kem.public_key())
    assert made[96:] == b"own"  # the child's calls went through a session it opened
    signer.public_key().verify(signer.sign(b"after"), b"after")  # the parent's session goes on
