"""The Server-Sent Events stream of live FLASH alerts, for the API and the web pages alike.

Who gets an alert is decided before it is published (`gsomia.node.live`, the treaty's access
decision per user); this stream only carries it to one screen.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.responses import StreamingResponse

from gsomia.node.alerts import AlertBroker

KEEPALIVE_SECONDS = 15.0


def alert_stream(request: Request, alerts: AlertBroker, user: str) -> StreamingResponse:
    """An open `text/event-stream` of `user`'s alerts, with keep-alives, until disconnect."""

    async def stream() -> AsyncIterator[str]:
        async with alerts.subscribe(user) as queue:
            yield "event: ready\ndata: {}\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: flash\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
