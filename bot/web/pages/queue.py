"""The queue: the reports the person may see, filtered, sorted, paged, with the count of each status."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core.reports import Platform, Status
from ...core.services import Actor
from ...core.store.reports import QueueOrder, ReportFilter
from ..render import render
from ..session import services, signed_in

PAGE_SIZE = 25
FILTER_FIELDS = ("brand", "status", "platform", "since", "until", "q", "sort", "shop")
MAX_SHOPS = 50  # spellings of one seller in a drill-down


def routes() -> list[Route]:
    return [Route("/queue", queue_page)]


def wanted_reports(request: Request) -> ReportFilter:
    """The filter in the address's query (``?brand=moutai&status=submitted&q=旗舰店``); 400 if malformed."""
    query = request.query_params
    try:
        return ReportFilter(
            brands=frozenset({query["brand"].lower()}) if query.get("brand") else None,
            status=Status(query["status"]).value if query.get("status") else None,
            since=dt.date.fromisoformat(query["since"]) if query.get("since") else None,
            until=dt.date.fromisoformat(query["until"]) if query.get("until") else None,
            platform=Platform(query["platform"]).value if query.get("platform") else None,
            text=query.get("q", "").strip()[:200] or None,
            shops=frozenset(s.strip()[:200] for s in query.getlist("shop")[:MAX_SHOPS] if s.strip()) or None,
        )
    except ValueError as exc:
        raise HTTPException(400, f"bad filter: {exc}") from None


def found_shops(request: Request) -> set[str]:
    return {s.strip() for s in request.query_params.getlist("shop") if s.strip()}


def _order_and_page(request: Request) -> tuple[QueueOrder, int]:
    try:
        return QueueOrder(request.query_params.get("sort") or QueueOrder.NEWEST), max(
            0, int(request.query_params.get("page") or 1) - 1
        )
    except ValueError as exc:
        raise HTTPException(400, f"bad sort or page: {exc}") from None


def filter_query(request: Request, **changes: object) -> str:
    """The current filter as a query string, with ``changes`` applied (for links that keep it)."""
    changed = {k: str(v) for k, v in changes.items() if v is not None}
    kept = [(k, v) for k, v in request.query_params.multi_items() if k in FILTER_FIELDS and v and k not in changed]
    return urlencode([*kept, *((k, v) for k, v in changed.items() if v)])


def brand_choices(request: Request, actor: Actor) -> list[tuple[str, str]]:
    """The brands the person may filter by: (id, name), all of them or their scope's."""
    scope = actor.report_scope
    return [(b.id, b.name) for b in services(request).library.catalog.brands if scope is None or b.id in scope]


async def queue_page(request: Request) -> Response:
    user = await signed_in(request)
    order, page = _order_and_page(request)
    found = await services(request).enforcement.queue(user.actor, wanted_reports(request), order, page, PAGE_SIZE)
    return render(
        request,
        "queue.html",
        {
            "queue": found,
            "query": request.query_params,
            "shops": sorted(found_shops(request)),
            "filter_query": lambda **changes: filter_query(request, **changes),
            "brands": brand_choices(request, user.actor),
            "statuses": [s.value for s in Status],
            "platforms": [p.value for p in Platform],
            "orders": [o.value for o in QueueOrder],
            "catalog": services(request).library.catalog,
        },
    )
