"""`gsomia envelope seal | open | inspect`: sealed items between node homes, for operators.

Items up to 8 MiB become one JSON envelope (stdout by default); bigger files, or `--stream`,
become a stream envelope (binary; use `-o`). `open` recognises both. The label is a STANAG 4774
label built from the options: `--level` in this node's national scheme (normalised, so
`군사Ⅱ급비밀`, `군사II급비밀` and `secret` name the same level), written in its native marking.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from gsomia import labels
from gsomia.cli.app import app, console, err_console
from gsomia.cli.common import write_private
from gsomia.cli.identity import passphrase
from gsomia.errors import InputError, UsageError
from gsomia.node.home import NodeHome, load_home
from gsomia.seal import (
    ALL_PROFILES,
    POST_QUANTUM_PROFILES,
    STREAM_MAGIC,
    IdentityCard,
    describe_envelope,
    describe_stream,
    open_envelope,
    open_file,
    open_stream,
    parse_card,
    seal_envelope,
    seal_stream,
)
from gsomia.treaty import load_schemes

envelope_app = typer.Typer(help="Seal, open and inspect envelopes.")
app.add_typer(envelope_app, name="envelope")

IN_MEMORY_LIMIT = 8 << 20
PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")


def _cards(paths: list[Path]) -> list[IdentityCard]:
    cards = []
    for path in paths:
        try:
            cards.append(parse_card(path.read_bytes()))
        except OSError as error:
            raise UsageError(f"cannot read card {path}: {error.strerror}") from error
        except InputError as error:
            raise InputError(f"{path}: {error.message}") from error
    return cards


def build_label(
    home: NodeHome, *, level: str, rel: list[str], purpose: str, precedence: str, now: datetime
) -> dict[str, Any]:
    """The label JSON object (STANAG 4774 via gsomia.labels) for an item this node originates."""
    if precedence not in PRECEDENCES:
        raise UsageError(f"precedence {precedence!r} is unknown", hint=", ".join(PRECEDENCES))
    nation = home.config.nation
    scheme = load_schemes().scheme(nation, now.date())
    marking = scheme.parse(level)
    policy = (
        labels.national_policy(nation, scheme.effective)
        if scheme.effective
        else f"urn:gsomia:policy:{nation}"
    )
    label = labels.make_label(
        policy=policy,
        classification=marking.native,
        originator=nation,
        created_at=now,
        releasable_to=sorted({nation, *(r.upper() for r in rel)}),
        purposes=[purpose],
        informative={"Precedence": [precedence]},
    )
    return dict(labels.label_to_obj(label))


def _canonical(label: Mapping[str, Any]) -> bytes:
    return labels.canonical_json(dict(label))


@envelope_app.command("seal")
def seal(  # noqa: PLR0917 - Typer maps parameters to options
    file: Annotated[Path, typer.Argument(help="The content to seal.")],
    home: Annotated[Path, typer.Option(help="This node's home.")],
    to: Annotated[list[Path], typer.Option(help="Identity card of a recipient node (repeat).")],
    level: Annotated[str, typer.Option(help="Classification in this nation's scheme.")],
    rel: Annotated[list[str], typer.Option(help="Releasable to this nation (repeat).")],
    purpose: Annotated[str, typer.Option(help="Purpose the item is released for.")],
    precedence: Annotated[str, typer.Option(help="FLASH, IMMEDIATE, PRIORITY or ROUTINE.")] = (
        "ROUTINE"
    ),
    media_type: Annotated[str, typer.Option(help="Media type of the content.")] = (
        "application/octet-stream"
    ),
    stream: Annotated[bool, typer.Option(help="Write a stream envelope whatever the size.")] = (
        False
    ),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
) -> None:
    """Seal FILE for the recipients' nodes; the envelope goes to stdout or -o."""
    node = load_home(home, passphrase())
    recipients = _cards(to)
    now = datetime.now(UTC)  # the shell reads the clock; the core takes `now`
    label = build_label(node, level=level, rel=rel, purpose=purpose, precedence=precedence, now=now)
    common: dict[str, Any] = {
        "label": label, "keys": node.keys, "recipients": recipients, "now": now,
        "media_type": media_type, "allowed_profiles": ALL_PROFILES, "canonical_label": _canonical,
    }  # fmt: skip
    if not stream and file.stat().st_size <= IN_MEMORY_LIMIT:
        data = seal_envelope(file.read_bytes(), **common)
        if output is None:
            sys.stdout.buffer.write(data + b"\n")
        else:
            output.write_bytes(data)
        return
    if output is None and sys.stdout.isatty():
        raise UsageError("a stream envelope is binary", hint="write it to a file with -o")
    with file.open("rb") as src:
        if output is None:
            seal_stream(src, sys.stdout.buffer, **common)
        else:
            with output.open("wb") as dst:
                seal_stream(src, dst, **common)


@envelope_app.command("open")
def open_(
    envelope: Annotated[Path, typer.Argument(help="The envelope to open.")],
    home: Annotated[Path, typer.Option(help="This node's home.")],
    from_: Annotated[
        list[Path], typer.Option("--from", help="Identity card of a trusted sender (repeat).")
    ],
    allow_classic: Annotated[
        bool, typer.Option(help="Accept the classic (non post-quantum) profile.")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
) -> None:
    """Verify ENVELOPE and write its content to stdout or -o (nothing at all if it fails)."""
    node = load_home(home, passphrase())
    common: dict[str, Any] = {
        "keys": node.keys, "senders": _cards(from_), "canonical_label": _canonical,
        "allowed_profiles": ALL_PROFILES if allow_classic else POST_QUANTUM_PROFILES,
    }  # fmt: skip
    with envelope.open("rb") as handle:
        is_stream = handle.read(len(STREAM_MAGIC)) == STREAM_MAGIC
    if is_stream:
        if output is not None:
            opened = open_file(envelope, output, **common)
        else:
            with envelope.open("rb") as src:
                opened = open_stream(src, sys.stdout.buffer, **common)
        label, sender = opened.label, opened.sender
    else:
        result = open_envelope(envelope.read_bytes(), **common)
        if output is None:
            sys.stdout.buffer.write(result.content)
        else:
            write_private(output, result.content)
        label, sender = result.label, result.sender
    err_console.print(
        f"verified: sealed by {escape(sender.nation)} {escape(sender.name)}, "
        f"marked {escape(_label_lines(label)[0])}"
    )


@envelope_app.command("inspect")
def inspect(envelope: Annotated[Path, typer.Argument(help="The envelope to describe.")]) -> None:
    """Show label, recipients, signer, sizes and profile, without keys and without decrypting."""
    with envelope.open("rb") as handle:
        head = handle.read(len(STREAM_MAGIC))
        handle.seek(0)
        if head == STREAM_MAGIC:
            summary = describe_stream(handle)
        else:
            summary = describe_envelope(handle.read())
    b = summary.binding
    marking, rest = _label_lines(b.label)
    table = Table(
        title=f"{escape(str(envelope))} — claims, not verified (use open)", show_header=False
    )
    table.add_column("what", style="bold")
    table.add_column("value")
    rows = [
        ("classification", f"[bold red]{escape(marking)}[/]"),
        ("label", escape(rest)),
        (
            "profile",
            f"{b.profile} ({', '.join(summary.key_algs[:1])}; {', '.join(summary.signature_algs)})",
        ),
        ("signer kid", b.sender),
        ("recipient kids", "\n".join(b.recipients)),
        ("envelope id", b.envelope_id),
        ("sealed at", b.sealed_at.isoformat()),
        ("content", f"{b.length:,} bytes, {escape(b.media_type)}, {b.digest_alg} {b.digest}"),
        ("envelope", f"{summary.format}, {summary.size:,} bytes, {summary.chunks} chunk(s)"),
    ]
    for what, value in rows:
        table.add_row(what, value)
    console.print(table)


def _label_lines(label: Mapping[str, Any]) -> tuple[str, str]:
    """(native classification, the rest of the label) for display; raw JSON if not STANAG 4774."""
    try:
        parsed = labels.label_from_obj(dict(label))
    except InputError:
        return "(not a STANAG 4774 label)", str(dict(label))
    cats = "; ".join(f"{c.tag_name}: {', '.join(c.values)}" for c in parsed.categories)
    origin = parsed.originator.nation
    return parsed.classification, f"{parsed.policy}, originator {origin}, {cats}"
