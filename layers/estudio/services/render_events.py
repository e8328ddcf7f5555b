"""A render's progress as Server-Sent Events: the store is read every ``POLL_S`` (one item read),
an event goes out only when the render changed, a comment line keeps idle connections open, and
the stream ends after a final status (at once for a render already finished).

Each event is ``event: progress`` with the ``RenderPublic`` body as its data. Behind API Gateway
and Lambda (Mangum buffers a response until it is complete) a stream cannot be live: there
(``once``) the stream sends the render as it is now and ends, with ``retry: 2000``, so an
``EventSource`` reconnects every 2 s (polling in SSE's clothes); the app polls
``GET /v1/renders/{id}`` instead (docs/adr/0014).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from anyio import sleep, to_thread

from estudio.errors import NotFound
from estudio.jobs import Job
from estudio.services.context import ApiServices
from estudio.services.renders import get_render, render_public

POLL_S = 0.5
KEEPALIVE_S = 15.0
MAX_STREAM_S = 3600.0  # a client still watching after an hour reconnects


def event(job: Job, body: str) -> str:
    return f"id: {job.version}\nevent: progress\ndata: {body}\n\n"


async def render_events(
    services: ApiServices,
    tenant: str,
    render_id: str,
    base_url: str,
    disconnected: Callable[[], Awaitable[bool]],
    poll_s: float = POLL_S,
    keepalive_s: float = KEEPALIVE_S,
    once: bool = False,
) -> AsyncIterator[str]:
    """The stream's chunks. ``disconnected`` tells when the client went away (stop reading);
    ``once``: one event, then the end (a buffered deployment)."""
    sent_version = -1
    last_sent = time.monotonic()
    started = last_sent
    yield f"retry: {int(poll_s * 4000)}\n\n"
    while True:
        try:
            job = await to_thread.run_sync(get_render, services, tenant, render_id)
        except NotFound:  # deleted while watched
            yield "event: gone\ndata: {}\n\n"
            return
        if job.version != sent_version:
            public = render_public(services, job, base_url)
            yield event(job, json.dumps(public.model_dump(mode="json"), separators=(",", ":")))
            sent_version = job.version
            last_sent = time.monotonic()
        if job.status.finished or once:
            return
        now = time.monotonic()
        if now - last_sent >= keepalive_s:
            yield ": keep-alive\n\n"
            last_sent = now
        if now - started > MAX_STREAM_S or await disconnected():
            return
        await sleep(poll_s)
