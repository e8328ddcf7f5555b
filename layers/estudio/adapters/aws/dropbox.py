"""Dropbox results: a finished dropbox job's files go back beside its deck.

The cloud twin of the local drop folder's delivery (``estudio.dropbox``): when a job the ingest
started from ``dropbox/{tenant}/…/name.pptx`` succeeds, its outputs (``video.mp4``,
``subtitles.vtt``, ``subtitles.srt``, ``thumbnail.jpg``, ``manifest.json``) are copied, server
side, to ``dropbox/{tenant}/…/outgoing/name/``; when it fails, ``error.json`` (code, message,
render id) is written there instead. The events consumer calls this on ``render.completed`` and
``render.failed``; the job's ``dropbox_origin`` records that it was done, so a repeated event
copies nothing again.
"""

from __future__ import annotations

import posixpath

from estudio.adapters.aws.blobs import S3BlobStore
from estudio.adapters.aws.ingest import DropboxOrigin, write_outgoing_error
from estudio.errors import NotFound
from estudio.jobs import JOB_KIND, Job, JobStatus
from estudio.observability import logger
from estudio.ports import ItemStore

FINISHING_EVENTS = frozenset({"render.completed", "render.failed"})
DELIVERED, FAILED = "delivered", "failed"


def deliver_to_dropbox(
    items: ItemStore, blobs: S3BlobStore, event_type: str, render_id: str | None
) -> str | None:
    """Write a finished dropbox job's results to its ``outgoing/`` folder.

    Returns ``"delivered"`` or ``"failed"`` (what the folder holds), or None when there is
    nothing to do: another event, a job that did not come from the dropbox, one not finished.
    """
    if event_type not in FINISHING_EVENTS or not render_id:
        return None
    try:
        item = items.get(JOB_KIND, render_id)
    except NotFound:
        return None
    raw = item.data.get("dropbox_origin")
    if not raw:
        return None
    origin = DropboxOrigin.model_validate(raw)
    if origin.delivered:
        return origin.delivered
    job = Job.from_item(item)
    if job.status == JobStatus.SUCCEEDED:
        for name, key in sorted(job.outputs.items()):
            if posixpath.basename(name) != name or name in ("", ".", ".."):
                logger.warning("output name skipped", render_id=job.id)
                continue
            blobs.copy_out(key, origin.bucket, origin.outgoing + name)
        state = DELIVERED
    elif job.status.finished:
        error = {"code": job.error_code, "message": job.error_message, "render_id": job.id}
        write_outgoing_error(blobs, origin.bucket, origin.outgoing, error)
        state = FAILED
    else:
        return None
    done = origin.model_copy(update={"delivered": state})
    items.update(JOB_KIND, job.id, {"dropbox_origin": done.model_dump()})
    logger.info("dropbox results written", render_id=job.id, tenant=job.tenant, state=state)
    return state
