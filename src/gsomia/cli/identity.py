"""`gsomia init`, `gsomia identity export`, `rewrap` and `rotate`: make a node home, hand out
its identity card, seal its keys again, replace them.

The passphrase comes from `GSOMIA_PASSPHRASE` or a hidden prompt; there is no default, and a
weak one is refused (ADR 0074). A new passphrase for `rewrap` comes from
`GSOMIA_NEW_PASSPHRASE` or a prompt.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from gsomia.cli.app import app, console, err_console
from gsomia.errors import UsageError
from gsomia.node.home import (
    CARD,
    DEFAULT_PEER_LISTEN,
    KEYS,
    init_home,
    load_home,
    read_config,
    rewrap_home,
)
from gsomia.node.rekey import rotate
from gsomia.seal import DEFAULT_PROFILE, fingerprint_groups, is_legacy, parse_card

identity_app = typer.Typer(help="The node's public identity card.")
app.add_typer(identity_app, name="identity")

PASSPHRASE_ENV = "GSOMIA_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
NEW_PASSPHRASE_ENV = "GSOMIA_NEW_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret


def passphrase(*, confirm: bool = False) -> str:
    """The key passphrase: from GSOMIA_PASSPHRASE, else a hidden prompt. Never empty."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        value = typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm)
    if not value:
        raise UsageError(
            "an empty passphrase is not allowed",
            hint=f"set {PASSPHRASE_ENV} or type a passphrase at the prompt",
        )
    return value


@app.command("init")
def init(  # noqa: PLR0917 - Typer maps parameters to options
    directory: Annotated[Path, typer.Argument(help="New, empty directory for the node home.")],
    nation: Annotated[str, typer.Option(help="ISO 3166 alpha-3 code of this node's nation.")],
    name: Annotated[str, typer.Option(help="Name of this node, e.g. the ministry and site.")],
    profile: Annotated[
        str, typer.Option(help="Envelope profile: pq (default), cnsa2 or classic.")
    ] = DEFAULT_PROFILE,
    database: Annotated[
        str | None, typer.Option(help="Database URL; SQLite inside the home by default.")
    ] = None,
    endpoint: Annotated[
        list[str] | None,
        typer.Option(
            help="https:// URL partners reach the peer listener at (repeatable); "
            "its host goes into the TLS certificate."
        ),
    ] = None,
    peer_listen: Annotated[
        str, typer.Option(help="HOST:PORT the peer API listens on (mutual TLS).")
    ] = DEFAULT_PEER_LISTEN,
    keys: Annotated[
        str,
        typer.Option(
            help="PKCS#11 URI of a token to make the X25519 and Ed25519 keys in, e.g. "
            "'pkcs11:token=T;object=O?pin-source=file:/path' (or env:NAME); never the PIN itself."
        ),
    ] = "",
) -> None:
    """Create a node home: configuration, fresh keys (encrypted, or in a token), TLS
    certificate, card."""
    home = init_home(
        directory,
        nation,
        name,
        passphrase(confirm=True),
        profile=profile,
        database_url=database,
        endpoints=tuple(endpoint or ()),
        peer_listen=peer_listen,
        keys_uri=keys,
    )
    console.print(f"node home created in [bold]{escape(str(home.path))}[/]")
    console.print(f"profile {home.config.profile}, key id {home.card.key_id}")
    console.print(f"fingerprint [bold]{fingerprint_groups(home.card.fingerprint)}[/]")


@identity_app.command("export")
def export(
    home: Annotated[Path, typer.Option(help="The node home.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the card here, not stdout.")
    ] = None,
) -> None:
    """Print (or write) this node's identity card; its fingerprint goes to stderr.

    The card of a home made before TLS pinning is re-made first (the key passphrase adds the
    TLS key), so what partners get is always a card they can pin."""
    read_config(home)  # a clear error when `home` is not a node home
    raw = (home / CARD).read_bytes()
    card = parse_card(raw) if b'"tls"' in raw else load_home(home, passphrase()).card
    if output is None:
        typer.echo(card.to_bytes().decode("utf-8"), nl=False)
    else:
        output.write_bytes(card.to_bytes())
        err_console.print(f"card written to {escape(str(output))}")
    err_console.print(
        f"{escape(card.nation)} {escape(card.name)} — fingerprint "
        f"[bold]{fingerprint_groups(card.fingerprint)}[/] (check it with the partner by phone)"
    )


@identity_app.command("rewrap")
def rewrap(
    home: Annotated[Path, typer.Option(help="The node home.")],
    keep_passphrase: Annotated[
        bool, typer.Option(help="Seal under the same passphrase (it must be strong enough).")
    ] = False,
) -> None:
    """Seal the node's keys again under scrypt (ADR 0074): a home made under PBKDF2 alone, or
    a change of passphrase (from GSOMIA_NEW_PASSPHRASE, else a prompt)."""
    old = passphrase()
    was_legacy = is_legacy(home / KEYS)
    new = old if keep_passphrase else os.environ.get(NEW_PASSPHRASE_ENV)
    if new is None:
        new = typer.prompt("New key passphrase", hide_input=True, confirmation_prompt=True)
    rewrap_home(home, old, new)
    console.print(
        f"keys in [bold]{escape(str(home / KEYS))}[/] sealed under scrypt"
        + (" (they were under PBKDF2 alone)" if was_legacy else "")
    )


@identity_app.command("rotate")
def rotate_keys(
    home: Annotated[Path, typer.Option(help="The node home (its node stopped).")],
) -> None:
    """Make new node keys and announce the new card to every partner, signed by the old keys
    (ADR 0093). The old keys are kept, encrypted, to open what was sealed to them; start the
    node afterwards, and it sends the announcement."""
    read_config(home)
    done = rotate(home, passphrase(), datetime.now(UTC))
    card = done.home.card
    console.print(f"new keys in [bold]{escape(str(home / KEYS))}[/], key id {card.key_id}")
    console.print(f"fingerprint [bold]{fingerprint_groups(card.fingerprint)}[/]")
    console.print(f"replaces    {fingerprint_groups(done.old.fingerprint)}")
    if done.partners:
        console.print(
            "announced to " + ", ".join(done.partners) + " once the node runs: start it now"
        )
    else:
        console.print("no partner is pinned: hand the new card out (`gsomia identity export`)")
