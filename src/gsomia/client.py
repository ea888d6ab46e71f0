"""A small synchronous client of a node's user API and its live alerts, for the CLI and demo."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gsomia.errors import (
    Conflict,
    Error,
    InputError,
    NotFound,
    PolicyDenied,
    Unavailable,
    UsageError,
)

#: The header every answer of a node's user API names its nation in (`gsomia.app.nation`).
NATION_HEADER = "Gsomia-Nation"


def trust(cacert: Path | None) -> ssl.SSLContext | bool:
    """What to verify a node's TLS certificate with: `cacert` (the node's own certificate,
    from its home, or the CA of the one it is served with), else the system's CAs."""
    if cacert is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(cacert))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"cannot use {cacert} as the node's certificate: {exc}",
            hint="give the node's tls-cert.pem (in its home's keys/) or its CA's certificate",
        ) from exc


class NodeClient:
    """Talks to one node as one user (bearer token); over https, trusting `cacert`.

    With `nation`, every answer must come from that nation's node (its `Gsomia-Nation`
    header): an answer from another is refused unread, saying whose node it was."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        cacert: Path | None = None,
        nation: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.nation = nation
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            verify=trust(cacert),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"cannot reach the node at {self.url}: {exc}",
                hint="is `gsomia serve` running for that home?",
            ) from exc
        if self.nation is not None:
            self._check_nation(response.headers.get(NATION_HEADER))
        if response.status_code >= 400:
            raise _error(response)
        return response

    def _check_nation(self, answered: str | None) -> None:
        if answered == self.nation:
            return
        whose = f"{answered}'s node" if answered else "not a gsomia node"
        raise UsageError(
            f"the node at {self.url} is {whose}, not {self.nation}'s: its answer is refused",
            hint=f"start {self.nation}'s node (`gsomia serve --home …`), which records where it "
            "listens in its home, or give its address with --url",
        )

    def get(self, path: str, **params: Any) -> Any:
        """GET a user-API path (e.g. "/api/v1/consents"); the decoded JSON."""
        return self._call("GET", path, params=params or None).json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST `body` as JSON to a user-API path; the decoded JSON answer."""
        return self._call("POST", path, json=body or {}).json()

    def metrics(self) -> str:
        """The node's `/metrics` (Prometheus text), as a user with the right to read them."""
        return self._call("GET", "/metrics").text

    def me(self) -> dict[str, Any]:
        return dict(self._call("GET", "/api/v1/me").json())

    def publish(self, **fields: Any) -> str:
        return str(self._call("POST", "/api/v1/items", json=fields).json()["id"])

    def publish_batch(self, items: list[dict[str, Any]]) -> list[dict[str, str]]:
        return list(self._call("POST", "/api/v1/items:batch", json=items).json())

    def set_release_rule(self, **fields: Any) -> int:
        return int(self._call("POST", "/api/v1/release-rules", json=fields).json()["id"])

    def agreement(self, agreement_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/agreements/{agreement_id}").json())

    def record_agreement_event(self, agreement_id: str, **event: Any) -> dict[str, Any]:
        path = f"/api/v1/agreements/{agreement_id}/events"
        return dict(self._call("POST", path, json=event).json())

    def consent_to_amendment(self, agreement_id: str, **consent: Any) -> dict[str, Any]:
        path = f"/api/v1/agreements/{agreement_id}/amendments"
        return dict(self._call("POST", path, json=consent).json())

    def record_assurance(self, item_id: str, **assurance: Any) -> dict[str, Any]:
        path = f"/api/v1/items/{item_id}/assurances"
        return dict(self._call("POST", path, json=assurance).json())

    def hand_over(self, item_id: str, party: str, representative: str) -> dict[str, Any]:
        body = {"party": party, "representative": representative}
        return dict(self._call("POST", f"/api/v1/items/{item_id}/hand-over", json=body).json())

    def item_label(self, item_id: str, fmt: str) -> bytes:
        response = self._call("GET", f"/api/v1/items/{item_id}/label", params={"format": fmt})
        return response.content

    def release(self, item_id: str) -> list[dict[str, Any]]:
        return list(self._call("POST", f"/api/v1/items/{item_id}/release").json())

    def items(self) -> list[dict[str, Any]]:
        """The first page of this node's own items (`page` for the others and filters)."""
        return list(self._call("GET", "/api/v1/items").json())

    def page(self, path: str, **params: Any) -> Listed:
        """A page of a list route (`/api/v1/items`, `/api/v1/holdings`), asked with `params`
        (limit, cursor, filters; None left out), with the cursors of the pages beside it."""
        asked = {name: value for name, value in params.items() if value is not None}
        response = self._call("GET", path, params=asked or None)
        return Listed(list(response.json()), _cursor(response, "next"), _cursor(response, "prev"))

    def item(self, item_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/items/{item_id}").json())

    def transfers(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/transfers").json())

    def holdings(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/holdings").json())

    def holding(self, holding_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/holdings/{holding_id}").json())

    def read(
        self, holding_id: str, purpose: str | None = None, use: str | None = None
    ) -> tuple[bytes, str]:
        asked = {"purpose": purpose, "use": use}
        params = {key: value for key, value in asked.items() if value} or None
        response = self._call("GET", f"/api/v1/holdings/{holding_id}/content", params=params)
        return response.content, response.headers.get("content-type", "")

    def export_stix(self, item_ids: list[str]) -> dict[str, Any]:
        """A STIX bundle of the items named, or of everything the caller may read."""
        response = self._call("GET", "/api/v1/exports/stix", params={"id": item_ids})
        return dict(response.json())

    def export_ztdf(self, item_id: str) -> bytes:
        """A ZTDF container of one item or holding (its key only from the node's KAS)."""
        return self._call("GET", f"/api/v1/exports/ztdf/{item_id}").content

    def intake_stix(
        self, agreement: str, purpose: str, objects: list[Any], level: str | None = None
    ) -> dict[str, Any]:
        """STIX objects a tool made, as drafts of this node's (`POST /api/v1/intake/stix`)."""
        body = {"agreement": agreement, "purpose": purpose, "level": level, "objects": objects}
        return dict(self._call("POST", "/api/v1/intake/stix", json=body).json())


@dataclass(frozen=True)
class Listed:
    """A page of a list: its rows, and the cursors of the next and previous pages (None: no
    more that way)."""

    rows: list[dict[str, Any]]
    next: str | None
    previous: str | None


def _cursor(response: httpx.Response, rel: str) -> str | None:
    """The cursor of the page the `Link` header names as `rel`."""
    link = response.links.get(rel)
    if not link:
        return None
    cursor = httpx.URL(link["url"]).params.get("cursor")
    return str(cursor) if cursor else None


TAXII_ACCEPT = "application/taxii+json;version=2.1"


def taxii_pages(
    api_root: str,
    collection: str,
    *,
    auth: httpx.Auth | None = None,
    cacert: Path | None = None,
    per_page: int = 500,
) -> Iterator[list[dict[str, Any]]]:
    """The objects of a TAXII 2.1 collection (named by id or title), a page at a time,
    following `next` while the server says there is `more`."""
    root = api_root.rstrip("/") + "/"
    headers = {"Accept": TAXII_ACCEPT}
    with httpx.Client(auth=auth, verify=trust(cacert), headers=headers, timeout=60) as http:
        wanted = _taxii_collection(http, root, collection)
        params: dict[str, Any] = {"limit": per_page}
        seen: set[str] = set()
        while True:
            answer = http.get(f"{root}collections/{wanted}/objects/", params=params)
            if answer.status_code != 200:
                raise Unavailable(
                    f"the TAXII server answered {answer.status_code}: {answer.text[:200]}",
                    hint="check the URL, the collection and the credentials",
                )
            envelope = _taxii_json(answer, "an envelope")
            objects = envelope.get("objects", [])
            if not isinstance(objects, list):
                raise InputError(f"the TAXII server at {root} sent objects that are not a list")
            yield objects
            next_ = envelope.get("next")
            if not envelope.get("more") or not next_:
                return
            # A server that hands out a position twice would be paged for ever.
            if not isinstance(next_, str) or next_ in seen:
                raise InputError(f"the TAXII server at {root} sent a next it sent before")
            seen.add(next_)
            params = {"limit": per_page, "next": next_}


def _taxii_json(answer: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON object a TAXII server answered, or InputError naming what it was not: a
    tool's answer is input from outside, and junk ends the pull with a reason, not a
    traceback (ADR 0138)."""
    where = str(answer.url)
    try:
        body = answer.json()
    except ValueError:  # not JSON, or not UTF-8
        raise InputError(f"the TAXII server at {where} sent {what} that is not JSON") from None
    if not isinstance(body, dict):
        raise InputError(f"the TAXII server at {where} sent {what} that is not a JSON object")
    return body


def _taxii_collection(http: httpx.Client, root: str, collection: str) -> str:
    answer = http.get(f"{root}collections/")
    if answer.status_code != 200:
        raise Unavailable(
            f"the TAXII server answered {answer.status_code} for its collections",
            hint="check the API root URL and the credentials",
        )
    found = _taxii_json(answer, "a collections list").get("collections", [])
    if not isinstance(found, list):
        raise InputError(f"the TAXII server at {root} sent collections that are not a list")
    for entry in found:
        if not isinstance(entry, dict):
            continue
        if collection in (entry.get("id"), entry.get("title")):
            if not isinstance(entry.get("id"), str) or not entry["id"]:
                raise InputError(f"the TAXII server at {root} names {collection!r} without an id")
            return str(entry["id"])
    raise NotFound(f"no collection {collection!r} at {root}", hint="name it by id or title")


def _error(response: httpx.Response) -> Error:
    """The node's error answer as the same gsomia error, so the CLI exits with its code."""
    try:
        body = response.json()
    except ValueError:
        body = {"message": response.text[:300]}
    message = str(body.get("message", response.reason_phrase))
    hint = body.get("hint")
    status = response.status_code
    if status == 403 and "article" in body:
        return PolicyDenied(message, article=str(body["article"]), hint=hint)
    if status == 404:
        return NotFound(message, hint=hint)
    if status == 409:
        return Conflict(message, hint=hint)
    if status in (400, 401, 422):
        return InputError(message, hint=hint)
    if status == 503:
        return Unavailable(message, hint=hint)
    return Error(f"node answered {status}: {message}", hint=hint)


class AlertWatcher:
    """Holds an open `/api/v1/alerts` stream and records each FLASH event with its arrival time."""

    def __init__(self, url: str, token: str, *, cacert: Path | None = None) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.ready = threading.Event()
        self._arrived = threading.Condition()
        self._stop = threading.Event()
        self._http = httpx.Client(timeout=httpx.Timeout(5, read=None), verify=trust(cacert))
        self._thread = threading.Thread(target=self._run, args=(url, token), daemon=True)
        self._thread.start()

    def _run(self, url: str, token: str) -> None:
        try:
            self._listen(url, token)
        except (httpx.HTTPError, RuntimeError, OSError):
            return  # closed, or the node stopped: no more alerts on this screen

    def _listen(self, url: str, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        with self._http.stream("GET", f"{url}/api/v1/alerts", headers=headers) as response:
            event = ""
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                    if event == "ready":
                        self.ready.set()
                elif line.startswith("data:") and event == "flash":
                    with self._arrived:
                        self.events.append((time.perf_counter(), json.loads(line[5:])))
                        self._arrived.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        """True once `count` events arrived, False if `timeout` seconds passed first."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.events) >= count, timeout)

    def close(self) -> None:
        """Stop listening: closing the client ends the blocked read in the listening thread."""
        self._stop.set()
        self._http.close()
        self._thread.join(timeout=5)
