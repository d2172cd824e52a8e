"""The enforcement dashboard: reports per week by brand, the status funnel, the median time from
a report to its first status change (the "contacted once" promise made visible) and the tips
reports most often say they failed, all within the actor's brand scope, over the last weeks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from ..reports import Status
from ..store import Store
from ..store.reports import ReportFilter
from .access import Actor, Privilege, scoped
from .errors import UnknownBrand

TOP_TIPS = 10


@dataclass(frozen=True, slots=True)
class Dashboard:
    since: dt.date  # the Monday the window starts (UTC)
    weeks: tuple[dt.date, ...]  # each week's Monday, oldest first
    brands: tuple[str | None, ...]  # the brands with reports in the window (None: a non-partner brand)
    per_week: dict[tuple[dt.date, str | None], int]  # (week, brand) -> reports
    funnel: tuple[tuple[str, int], ...]  # every status in lifecycle order, with its count
    first_move_median: float | None  # seconds; None if no report was moved yet
    moved: int  # reports with at least one status change after submission
    failed_tips: tuple[tuple[str | None, str, int], ...]  # (brand, tip id, reports), most first

    @property
    def total(self) -> int:
        return sum(n for _, n in self.funnel)


class DashboardService:
    def __init__(self, store: Store, known_brand: Callable[[str], bool]):
        self._store = store
        self._known_brand = known_brand

    async def dashboard(self, actor: Actor, brand_id: str | None, weeks: int, today: dt.date | None = None) -> Dashboard:
        """The figures for reports of the last ``weeks`` weeks (this one included) that the actor may see."""
        if brand_id is not None:
            actor.require(Privilege.ENFORCE, brand_id)  # refused before telling whether the brand exists
            if not self._known_brand(brand_id):
                raise UnknownBrand(brand_id)
        today = today or dt.datetime.now(dt.UTC).date()
        this_monday = today - dt.timedelta(days=today.weekday())
        since = this_monday - dt.timedelta(weeks=max(1, weeks) - 1)
        where = scoped(actor, ReportFilter(brands=frozenset({brand_id}) if brand_id else None, since=since))
        reports = self._store.reports
        mondays = tuple(since + dt.timedelta(weeks=i) for i in range((this_monday - since).days // 7 + 1))
        per_week = {(monday, brand): n for monday, brand, n in await reports.weekly_counts(where, mondays)}
        counts = await reports.status_counts(where)
        median, moved = await reports.first_move_median(where)
        tips = await reports.failed_tip_counts(where, TOP_TIPS)
        await self._store.roles.audit(actor.user_id, "view dashboard", brand_id, f"{weeks} weeks")
        brands = sorted({brand for _, brand in per_week}, key=lambda b: (b is None, b or ""))
        return Dashboard(
            since,
            mondays,
            tuple(brands),
            per_week,
            tuple((s.value, counts.get(s.value, 0)) for s in Status),
            median,
            moved,
            tuple(tips),
        )
