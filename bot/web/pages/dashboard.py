"""The enforcement dashboard: the dashboard use case's figures (within the person's scope) as
server-drawn SVG charts, with the same numbers in tables beside them."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core.services.dashboard import Dashboard
from ...texts import say
from ..charts import bars, colour, stacked_columns
from ..render import render
from ..session import services, signed_in
from .queue import brand_choices

WEEKS = (4, 12, 26, 52)
OTHER_BRAND = "其他品牌 other"  # reports about a brand that is not a partner


def routes() -> list[Route]:
    return [Route("/dashboard", dashboard_page)]


def duration(seconds: float | None) -> str:
    """``2d 3h``, ``5h 12m``, ``40m``, ``12s``; ``—`` for none."""
    if seconds is None:
        return "—"
    s = int(seconds)
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{s}s"


async def dashboard_page(request: Request) -> Response:
    user = await signed_in(request)
    brand = request.query_params.get("brand", "").lower() or None
    try:
        weeks = int(request.query_params.get("weeks") or 12)
    except ValueError:
        raise HTTPException(400, "bad number of weeks") from None
    if weeks not in WEEKS:
        raise HTTPException(400, "bad number of weeks")
    figures = await services(request).dashboard.dashboard(user.actor, brand, weeks)
    catalog = services(request).library.catalog

    def brand_name(brand_id: str | None) -> str:
        found = catalog.brand(brand_id) if brand_id else None
        return found.name if found else (brand_id or OTHER_BRAND)

    def tip_name(brand_id: str | None, tip_id: str) -> str:
        found = catalog.brand(brand_id) if brand_id else None
        tip = found.tip(tip_id) if found else None
        return f"{brand_name(brand_id)} · {tip.title if tip else tip_id}"

    return render(
        request,
        "dashboard.html",
        {
            "d": figures,
            "brand": brand,
            "weeks": weeks,
            "week_choices": WEEKS,
            "brands": brand_choices(request, user.actor),
            "brand_name": brand_name,
            "tip_name": tip_name,
            "colour": colour,
            "median": duration(figures.first_move_median),
            "weekly_chart": _weekly_chart(figures, brand_name),
            "funnel_chart": bars([(say(f"status_{status}", "zh"), n) for status, n in figures.funnel], title="status funnel"),
            "tips_chart": bars(
                [(tip_name(b, t), n) for b, t, n in figures.failed_tips], title="top failed tips", label_width=260
            ),
        },
    )


def _weekly_chart(figures: Dashboard, brand_name: Callable[[str | None], str]) -> Markup:
    columns = [(week.strftime("%m-%d"), [figures.per_week.get((week, b), 0) for b in figures.brands]) for week in figures.weeks]
    return stacked_columns(columns, [brand_name(b) for b in figures.brands], title="reports per week by brand")
