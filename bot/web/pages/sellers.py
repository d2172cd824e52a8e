"""Repeat offenders: shops and live rooms ranked by how many different shoppers reported them
(the sellers use case, within the person's brand scope), each leading to its reports in the queue."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...core.sellers import Seller
from ..render import render
from ..session import services, signed_in
from .queue import MAX_SHOPS, brand_choices

SHOWN = 100


def routes() -> list[Route]:
    return [Route("/sellers", sellers_page)]


def drill_down(seller: Seller, brand: str | None) -> str:
    """The queue filtered to this seller's reports: every way shoppers wrote its name (and the brand asked)."""
    spellings = sorted(seller.spellings, key=lambda s: -seller.spellings[s])[:MAX_SHOPS]
    return "/queue?" + urlencode([*((("brand", brand),) if brand else ()), *(("shop", s) for s in spellings)])


async def sellers_page(request: Request) -> Response:
    user = await signed_in(request)
    brand = request.query_params.get("brand", "").lower() or None
    ranked = await services(request).enforcement.sellers(user.actor, brand)
    return render(
        request,
        "sellers.html",
        {
            "sellers": ranked[:SHOWN],
            "total": len(ranked),
            "brand": brand,
            "brands": brand_choices(request, user.actor),
            "catalog": services(request).library.catalog,
            "drill_down": lambda seller: drill_down(seller, brand),
        },
    )
