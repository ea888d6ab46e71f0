"""Alerts sent outward as well, for an operations centre to route (issue 16): a webhook (the
alert as JSON, POSTed) and syslog in the RFC 5424 format (UDP, or TCP with RFC 6587 octet
counting), each configured in the home's `[alerts]`.

What goes out is the alert's kind and identifiers — never an item's title or content, which
belong only on the screens of those allowed to read them. Sending happens on a small pool of
threads: a collector that is slow or down never holds up delivery or a page; a failure is
logged and the alert stays on the node's pages.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from gsomia.errors import UsageError

log = logging.getLogger("gsomia.alerts")

#: RFC 5424: facility local0 (16); severity alert (1) for FLASH matters, warning (4) otherwise.
FACILITY = 16
SEVERITY = {"flash": 1, "flash-undelivered": 1, "compromise": 1}
#: The structured-data id: the enterprise number RFC 5612 reserves for documentation, until
#: one is registered for gsomia.
SD_ID = "gsomia@32473"
#: The fields that may leave the node; anything else (a title) stays on its pages.
OUTWARD_FIELDS = ("alert", "nation", "partner", "item", "holding", "precedence", "attempts")


def outward_fields(event: Mapping[str, Any], nation: str) -> dict[str, str]:
    """What of `event` leaves the node, as strings."""
    fields = {"alert": str(event.get("alert") or "flash"), "nation": nation}
    for key in OUTWARD_FIELDS[2:]:
        if event.get(key) not in (None, ""):
            fields[key] = str(event[key])
    return fields


def _sd_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def rfc5424(fields: Mapping[str, str], now: datetime, host: str, procid: int) -> bytes:
    """One syslog message (RFC 5424 §6): header, one SD element with the fields, a text."""
    severity = SEVERITY.get(fields["alert"], 4)
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    params = " ".join(f'{k}="{_sd_value(v)}"' for k, v in fields.items())
    text = " ".join(f"{k}={v}" for k, v in fields.items())
    header = f"<{FACILITY * 8 + severity}>1 {stamp} {host or '-'} gsomia {procid} {fields['alert']}"
    return f"{header} [{SD_ID} {params}] {text}".encode()


class Outward:
    """The node's outward alert channels (none configured: `send` does nothing)."""

    def __init__(self, nation: str, *, webhook: str = "", syslog: str = "") -> None:
        self.nation = nation
        self.webhook = webhook
        self.syslog = _syslog_address(syslog) if syslog else None
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="gsomia-alerts")
        self._host = socket.gethostname()

    @property
    def configured(self) -> bool:
        return bool(self.webhook or self.syslog)

    def send(self, event: Mapping[str, Any], now: datetime) -> None:
        """Send `event` (its outward fields) to every configured channel, in the background."""
        if not self.configured:
            return
        fields = outward_fields(event, self.nation)
        if self.webhook:
            self._pool.submit(self._post, {**fields, "at": now.isoformat()})
        if self.syslog:
            self._pool.submit(self._log, rfc5424(fields, now, self._host, os.getpid()))

    def flush(self) -> None:
        """Wait for what was sent (tests, and a node that stops)."""
        self._pool.shutdown(wait=True)
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="gsomia-alerts")

    def _post(self, body: dict[str, str]) -> None:
        try:
            httpx.post(self.webhook, json=body, timeout=5).raise_for_status()
        except httpx.HTTPError as error:
            log.warning("alert webhook %s failed: %s", self.webhook, error)

    def _log(self, message: bytes) -> None:
        assert self.syslog is not None
        scheme, host, port = self.syslog
        try:
            if scheme == "udp":
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.sendto(message, (host, port))
            else:
                with socket.create_connection((host, port), timeout=5) as sock:
                    sock.sendall(str(len(message)).encode() + b" " + message)  # RFC 6587
        except OSError as error:
            log.warning("alert syslog %s:%s failed: %s", host, port, error)


def _syslog_address(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("udp", "tcp") or not parts.hostname:
        raise UsageError(
            f"[alerts] syslog {url!r} is not udp://HOST:PORT or tcp://HOST:PORT",
            hint="for example udp://127.0.0.1:514",
        )
    return parts.scheme, parts.hostname, parts.port or 514
