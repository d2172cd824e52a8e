"""Downloads of the queue's current filter as CSV or JSONL, streamed: the export service reads
the rows as the response is sent (same scope, audit and spreadsheet safety as ``authbot export``)."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ...core.services.exports import Format
from ..session import services, signed_in
from .queue import wanted_reports

MEDIA_TYPES: dict[Format, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def routes() -> list[Route]:
    return [Route("/export.csv", export_csv), Route("/export.jsonl", export_jsonl)]


async def export_csv(request: Request) -> Response:
    return await _download(request, "csv")


async def export_jsonl(request: Request) -> Response:
    return await _download(request, "jsonl")


async def _download(request: Request, fmt: Format) -> Response:
    user = await signed_in(request)
    chunks = await services(request).exports.stream(user.actor, wanted_reports(request), fmt)
    name = f"reports-{time.strftime('%Y%m%d-%H%M%S')}.{fmt}"
    return StreamingResponse(
        chunks, media_type=MEDIA_TYPES[fmt], headers={"content-disposition": f'attachment; filename="{name}"'}
    )
