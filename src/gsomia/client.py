"""A small synchronous client of a node's user API, for the CLI and the demo."""

from __future__ import annotations

from typing import Any

import httpx

from gsomia.errors import Conflict, Error, InputError, NotFound, PolicyDenied, Unavailable


class NodeClient:
    """Talks to one node as one user (bearer token)."""

    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
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
        if response.status_code >= 400:
            raise _error(response)
        return response

    def me(self) -> dict[str, Any]:
        return dict(self._call("GET", "/api/v1/me").json())

    def publish(self, **fields: Any) -> str:
        return str(self._call("POST", "/api/v1/items", json=fields).json()["id"])

    def release(self, item_id: str) -> list[dict[str, Any]]:
        return list(self._call("POST", f"/api/v1/items/{item_id}/release").json())

    def items(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/items").json())

    def item(self, item_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/items/{item_id}").json())

    def transfers(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/transfers").json())

    def holdings(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/v1/holdings").json())

    def holding(self, holding_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/api/v1/holdings/{holding_id}").json())

    def read(self, holding_id: str) -> tuple[bytes, str]:
        response = self._call("GET", f"/api/v1/holdings/{holding_id}/content")
        return response.content, response.headers.get("content-type", "")


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
