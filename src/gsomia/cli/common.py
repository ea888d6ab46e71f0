"""What the CLI's modules share: reaching a node as one of its people, and how answers look.

Every command that asks a running node takes the same four options and opens the same client
(declared once: a command takes `reach: Reach` and is wrapped in `reaching`);
every table colours a state the same way and shows a time to the second. Keeping these in one
place keeps the commands short and the output consistent from one workflow to the next.

Either `--url` and `--token` (or GSOMIA_URL / GSOMIA_TOKEN), or `--home DIR --as USER` on the
node's own machine, where the CLI keeps USER a console token in the home and reuses it until
it nears its expiry (`gsomia.node.tokens.console_token`). With `--home`, the CLI goes where
that home's running node recorded it listens (`serving.json`), and refuses an answer from any
other nation's node. A node served
with `--tls` is trusted by its own certificate from its home, or by `gsomia --cacert FILE`.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import os
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import click
import typer
from rich.table import Table

from gsomia.cli.identity import passphrase
from gsomia.client import NodeClient
from gsomia.errors import Error, UsageError
from gsomia.node.database import open_database
from gsomia.node.home import KEYS, serving_of
from gsomia.node.users import console_token
from gsomia.seal.link_keys import TLS_CERT_FILE

# Who you are, at which node ------------------------------------------------------------------

Home = Annotated[Path | None, typer.Option("--home", help="node home (with --as)")]
As = Annotated[str | None, typer.Option("--as", help="act as this user (with --home)")]
Url = Annotated[str | None, typer.Option(envvar="GSOMIA_URL", help="node URL")]
Token = Annotated[str | None, typer.Option(envvar="GSOMIA_TOKEN", help="API token")]
#: The node home, for commands run on the node's own machine (no token: they open its database).
HomeOpt = Annotated[Path, typer.Option("--home", help="the node home directory")]


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` readable by its owner only (0600), an existing file's mode
    narrowed before a byte is written: what the CLI writes there carries classified content
    (found by the attack: an export was written 0644, the umask's)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(data)


def _cacert() -> Path | None:
    """`gsomia --cacert FILE` (or GSOMIA_CACERT), if given."""
    context = click.get_current_context(silent=True)
    value = context.find_root().params.get("cacert") if context is not None else None
    return Path(value) if value else None


def connect(home: Path | None, user: str | None, url: str | None, token: str | None) -> NodeClient:
    if home is not None and user is not None:
        with open_database(home, passphrase=passphrase, unlock=False) as db:
            config = db.config
            running = serving_of(home)  # where this home's node listens, if it runs
            if not url:
                scheme = "https" if config.tls else "http"
                url = running.url if running else f"{scheme}://{config.listen}"
                _on_this_machine(url)  # before a token is issued or sent
            token = console_token(db, home, user, hours=db.config.token_hours)
        own = Path(config.tls_cert) if config.tls_cert else home / KEYS / TLS_CERT_FILE
        secure = url.startswith("https://")
        return NodeClient(
            url, token, cacert=(_cacert() or own) if secure else None, nation=config.nation
        )
    if url and token:
        return NodeClient(url, token, cacert=_cacert())
    raise UsageError(
        "say which node and who you are",
        hint="use --home DIR --as USER on the node's machine, or --url and --token",
    )


def _on_this_machine(url: str) -> None:
    """Refuse `url`, read from the home, unless every address its host names is this
    machine's (one a socket binds to): the console sends a person's live token with its first
    request, and a writer of the home (no key) could name a server of theirs in
    `serving.json` or `[server] listen` (found by the attack, ADR 0153)."""
    host = urlsplit(url).hostname or ""
    try:
        found = {
            str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        }
    except (OSError, UnicodeError):
        found = set()
    if not found or not all(_bindable(address) for address in found):
        raise UsageError(
            f"the home names its node at '{host or url}', not on this machine: the console sends "
            "a person's token only to a node of this machine",
            hint="check serving.json and [server] listen in the home; for a node elsewhere, "
            "use --url and --token",
        )


def _bindable(address: str) -> bool:
    if ipaddress.ip_address(address.partition("%")[0]).is_loopback:
        return True  # whether or not this machine has IPv6 up for ::1
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class Reach:
    """Which node a command asks, and as whom: `--home/--as` or `--url/--token`, declared once
    for every command (`reaching`) and handed to it as this one value."""

    home: Path | None = None
    user: str | None = None
    url: str | None = None
    token: str | None = None

    def connect(self) -> NodeClient:
        return connect(self.home, self.user, self.url, self.token)

    def get(self, path: str, **params: Any) -> Any:
        """One GET to the node, the client closed after."""
        with self.connect() as client:
            return client.get(path, **params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """One POST to the node, the client closed after."""
        with self.connect() as client:
            return client.post(path, body)


#: The default a command gives its `reach` parameter; `reaching` replaces it with the options.
REACH = Reach()
#: The options `reaching` puts where a command declares `reach: Reach`, in this order.
_REACH_OPTIONS = {"home": Home, "user": As, "url": Url, "token": Token}
_P = ParamSpec("_P")
_T = TypeVar("_T")


def reaching(command: Callable[_P, _T]) -> Callable[..., _T]:
    """`command` as Typer sees it with `--home --as --url --token` in place of its `reach`
    parameter (the same options, help and order as when each command declared them), called
    with them gathered into one `Reach`."""
    signature = inspect.signature(command, eval_str=True)
    params = list(signature.parameters.values())
    at = next(i for i, p in enumerate(params) if p.name == "reach")
    kind = params[at].kind
    options = [
        inspect.Parameter(name, kind, default=None, annotation=annotation)
        for name, annotation in _REACH_OPTIONS.items()
    ]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> _T:
        reach = Reach(*(kwargs.pop(name) for name in _REACH_OPTIONS))
        return command(*args, **kwargs, reach=reach)  # type: ignore[arg-type]

    shown = signature.replace(parameters=[*params[:at], *options, *params[at + 1 :]])
    run.__signature__ = shown  # type: ignore[attr-defined]
    # evaluated, so Typer's `get_type_hints` needs no names from the command's module
    run.__annotations__ = {p.name: p.annotation for p in shown.parameters.values()}
    run.__annotations__["return"] = signature.return_annotation
    del run.__wrapped__  # Typer must read the signature above, not the command's
    return run


# How answers look ----------------------------------------------------------------------------

PRECEDENCE_STYLE = {"FLASH": "bold white on red", "IMMEDIATE": "bold red", "PRIORITY": "yellow"}
#: One colour per state word, whichever workflow it comes from: green is done or allowed, yellow
#: is waiting on someone, red is refused, lost or gone.
STATE_STYLE = {
    # transfers and items
    "queued": "yellow",
    "released": "green",
    "received": "green",
    "rejected": "red",
    # holdings and their custody
    "held": "green",
    "returned": "yellow",
    "destroyed": "red",
    # requests: consent, purposes, visits, notices
    "requested": "yellow",
    "outstanding": "yellow",
    "granted": "green",
    "approved": "green",
    "acknowledged": "green",
    "refused": "red",
    "revoked": "red",
    "expired": "dim",
    # compromise cases and disputes
    "reported": "bold red",
    "originator_notified": "yellow",
    "investigating": "yellow",
    "findings_sent": "cyan",
    "closed": "green",
    "open": "yellow",
    "consultations": "yellow",
    "settled": "green",
}


def styled(value: str, styles: Mapping[str, str] = STATE_STYLE) -> str:
    """`value` in its colour; a word without one is shown plain."""
    style = styles.get(value)
    return f"[{style}]{value}[/]" if style else value


def moment(iso: str) -> str:
    """An ISO 8601 time to the second, without fractions or zone: `2026-05-01T10:20:30`."""
    return iso[:19]


def minute(iso: str) -> str:
    """An ISO 8601 time to the minute: `2026-05-01T10:20`."""
    return iso[:16]


def listed(values: Iterable[str]) -> str:
    return ", ".join(values)


def grid(columns: Sequence[str], rows: Iterable[Sequence[str]], title: str | None = None) -> Table:
    """A table with a header row of `columns` and one line per row."""
    table = Table(*columns, title=title)
    for row in rows:
        table.add_row(*row)
    return table


def fields(record: Mapping[str, Any], keys: Iterable[str], title: str) -> Table:
    """One case as a two-column table of its set fields, in `keys` order; its status coloured."""
    table = Table(show_header=False, title=title)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key in keys:
        value = record.get(key)
        if value in (None, "", []):
            continue
        text = listed(value) if isinstance(value, list) else str(value)
        table.add_row(key, styled(text) if key == "status" else text)
    return table


def iso_day(text: str, option: str, error: type[Error] = UsageError) -> date:
    """A day given as YYYY-MM-DD, or `error` naming the option and the expected form."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise error(f"{option} {text!r} is not a date", hint="write it as YYYY-MM-DD") from None
