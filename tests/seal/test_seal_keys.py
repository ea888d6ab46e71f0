"""Node keys on disk: encrypted PKCS#8, mode 0600, no default or empty passphrase."""

from __future__ import annotations

import json
import os
import ssl
import stat
from pathlib import Path

import pytest

from gsomia.errors import UsageError
from gsomia.seal import generate_node_keys, load_node_keys, write_node_keys
from gsomia.seal.encoding import b64u
from gsomia.seal.keys import KEM_FILES, SIGN_FILES
from gsomia.seal.link_keys import read_storage_key


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_keys_round_trip_through_encrypted_pkcs8(tmp_path: Path, profile: str) -> None:
    keys = generate_node_keys(profile)
    write_node_keys(tmp_path / "keys", keys, "correct horse")
    loaded = load_node_keys(tmp_path / "keys", "correct horse", profile)
    assert loaded.key_id == keys.key_id
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    for name in KEM_FILES[profile] + SIGN_FILES[profile]:
        path = tmp_path / "keys" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="empty passphrase"):
        write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "")


def test_wrong_passphrase_is_a_usage_error(tmp_path: Path) -> None:
    write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "right-passphrase-1")
    with pytest.raises(UsageError, match="cannot decrypt"):
        load_node_keys(tmp_path / "keys", "wrong-passphrase-1", "classic")


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "pw-keys-0123456789")
    os.chmod(tmp_path / "keys" / "sig-ed25519.pem", 0o644)
    with pytest.raises(UsageError, match="readable by others"):
        load_node_keys(tmp_path / "keys", "pw-keys-0123456789", "classic")


def test_missing_key_file_is_named(tmp_path: Path) -> None:
    write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "pw-keys-0123456789")
    with pytest.raises(UsageError, match=r"kem-mlkem768\.pem"):
        load_node_keys(tmp_path / "keys", "pw-keys-0123456789", "pq")


def test_existing_key_file_is_never_overwritten(tmp_path: Path) -> None:
    write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "pw-keys-0123456789")
    with pytest.raises(FileExistsError):
        write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "pw-keys-0123456789")


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_link_keys_round_trip_encrypted(tmp_path: Path, profile: str) -> None:
    keys = generate_node_keys(profile, nation="KOR")
    written = write_node_keys(tmp_path / "keys", keys, "correct horse")
    loaded = load_node_keys(tmp_path / "keys", "correct horse", profile)
    assert loaded.tls_certificate == keys.tls_certificate
    assert loaded.storage_key == keys.storage_key
    assert len(loaded.storage_key) == 32
    assert loaded.tls_files == written.tls_files
    assert loaded.tls_files is not None
    assert loaded.tls_files.key.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert loaded.tls_files.certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    sealed = (tmp_path / "keys" / "storage-key.json").read_text()
    assert json.loads(sealed)["format"] == "gsomia-storage-key/1"
    assert keys.storage_key.hex() not in sealed
    assert b64u(keys.storage_key) not in sealed
    for name in ("tls-key.pem", "tls-cert.pem", "storage-key.json"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    # What ssl is given is enough to serve: the encrypted key file and its passphrase.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(
        loaded.tls_files.certificate, loaded.tls_files.key, password=loaded.tls_files.password
    )


def test_a_wrong_passphrase_does_not_open_the_storage_key(tmp_path: Path) -> None:
    write_node_keys(tmp_path / "keys", generate_node_keys("classic"), "right-passphrase-1")
    with pytest.raises(UsageError, match=r"storage-key\.json"):
        read_storage_key(tmp_path / "keys" / "storage-key.json", b"wrong-passphrase-1")
