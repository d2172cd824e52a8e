"""One report: every field, its photos (served only through here, to a person allowed to see
the report), its history, the move to a new status with a note, and the evidence pack."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ... import presenter
from ...core.reports import TRANSITIONS, FieldError, Status
from ...core.services import NotFound
from ...core.services.console import ConsoleUser
from ...texts import say
from ..render import render
from ..session import posted_form, services, signed_in


def routes() -> list[Route]:
    return [
        Route("/reports/{report_id:int}", report_page),
        Route("/reports/{report_id:int}/status", move, methods=["POST"]),
        Route("/reports/{report_id:int}/photos/{sha256}", photo),
        Route("/reports/{report_id:int}/evidence.zip", evidence_pack),
    ]


async def report_page(request: Request) -> Response:
    user = await signed_in(request)
    return await _show(request, user, request.path_params["report_id"], moved=request.query_params.get("moved") == "1")


async def _show(
    request: Request, user: ConsoleUser, report_id: int, *, moved: bool = False, problem: Markup | None = None
) -> Response:
    case = await services(request).enforcement.case(user.actor, report_id)
    catalog = services(request).library.catalog
    report = case.report
    return render(
        request,
        "report.html",
        {
            "case": case,
            "fields": presenter.report_fields(catalog, report, len(case.photos), "zh"),
            "history": [Markup(presenter.history_line(change, report, user.actor.user_id, "zh")) for change in case.history],
            "moves": [s.value for s in Status if s in TRANSITIONS[Status(report.status)]],
            "moved": moved,
            "problem": problem,
        },
        status_code=400 if problem else 200,
    )


async def move(request: Request) -> Response:
    """Move the report on with a note; the shopper is told through the outbox, in the same transaction."""
    user = await signed_in(request)
    form = await posted_form(request, user.csrf_token)
    report_id: int = request.path_params["report_id"]
    note = str(form.get("note") or "").strip() or None
    enforcement = services(request).enforcement
    try:
        wanted = Status(str(form.get("status")))
        report = await enforcement.check_move(user.actor, report_id, wanted)
        await enforcement.change_status(user.actor, report.reference, wanted, note)
    except ValueError as refused:  # an unknown status, a move the lifecycle refuses, a note too long
        return await _show(request, user, report_id, problem=_refusal(refused))
    return RedirectResponse(f"/reports/{report_id}?moved=1", status_code=303)


def _refusal(refused: ValueError) -> Markup:
    """Why the move was refused, in the bot's words (HTML-ready: say() escapes the values)."""
    if isinstance(refused, FieldError):
        return Markup(say(refused.key, "zh", **refused.values))
    return Markup(say("status_refused", "zh", problem=str(refused)))


async def photo(request: Request) -> Response:
    user = await signed_in(request)
    found = await services(request).enforcement.photo(user.actor, request.path_params["report_id"], request.path_params["sha256"])
    if found.on_disk is None:
        raise NotFound(found.photo.sha256)
    media_type = found.photo.mime if found.photo.mime.startswith("image/") else "application/octet-stream"
    return FileResponse(found.on_disk, media_type=media_type, content_disposition_type="inline")


async def evidence_pack(request: Request) -> Response:
    user = await signed_in(request)
    case = await services(request).enforcement.case(user.actor, request.path_params["report_id"])
    folder = Path(tempfile.mkdtemp(prefix="authbot-pack-"))
    try:
        pack = await services(request).evidence.pack(user.actor, case.report.reference, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        pack.path, media_type="application/zip", filename=pack.path.name, background=BackgroundTask(shutil.rmtree, folder, True)
    )
