"""Bulk moves from the queue: the ticked reports moved together with one note, through the same
status-change use case as one report (each shopper told, each move audited); the reports the
lifecycle refuses, or that are not the person's to see, are listed back, the others are moved."""

from __future__ import annotations

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core.reports import FieldError, Status
from ...texts import say
from ..render import render
from ..session import posted_form, services, signed_in


def routes() -> list[Route]:
    return [Route("/bulk", bulk_move, methods=["POST"])]


async def bulk_move(request: Request) -> Response:
    user = await signed_in(request)
    form = await posted_form(request, user.csrf_token)
    try:
        report_ids = [int(str(value)) for value in form.getlist("report")]
        status = Status(str(form.get("status")))
    except ValueError as exc:
        raise HTTPException(400, f"bad bulk move: {exc}") from None
    if not report_ids:
        raise HTTPException(400, "no report ticked")
    note = str(form.get("note") or "").strip() or None
    try:
        result = await services(request).enforcement.move_many(user.actor, report_ids, status, note)
    except FieldError as refused:
        return render(
            request, "bulk.html", {"problem": Markup(say(refused.key, "zh", **refused.values)), "result": None}, status_code=400
        )
    except ValueError as refused:
        raise HTTPException(400, str(refused)) from None
    return render(request, "bulk.html", {"result": result, "status": status.value, "note": note, "problem": None})
