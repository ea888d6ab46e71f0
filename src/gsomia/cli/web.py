"""`gsomia user passwd` and `user disable`: a person's web password (Argon2id), and ending
everything they are signed in with."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from gsomia.cli.app import console
from gsomia.cli.common import HomeOpt
from gsomia.cli.identity import passphrase
from gsomia.cli.node import user_app
from gsomia.errors import InputError
from gsomia.node.database import open_database
from gsomia.node.users import disable, set_password

PASSWORD_ENV = "GSOMIA_USER_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
MIN_LENGTH = 12


def _password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"a password needs at least {MIN_LENGTH} characters",
            hint="a passphrase of several words is easiest to remember",
        )
    return password


@user_app.command("passwd")
def user_passwd(home: HomeOpt, name: Annotated[str, typer.Argument()]) -> None:
    """Set a person's web sign-in password (from $GSOMIA_USER_PASSWORD or a hidden prompt),
    sealed under the storage key (the key passphrase: GSOMIA_PASSPHRASE or the prompt)."""
    with open_database(home, passphrase=passphrase) as db:
        set_password(db, name, _password())
    console.print(f"[green]password set[/] for {name}")


@user_app.command("disable")
def user_disable(home: HomeOpt, name: Annotated[str, typer.Argument()]) -> None:
    """Disable a person: their web sessions end, their tokens are revoked, no sign-in works."""
    with open_database(home, passphrase=passphrase) as db:
        disable(db, name)
    console.print(f"[red]disabled[/] {name}: sessions ended, tokens revoked")
