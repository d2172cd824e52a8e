"""Suspected-counterfeit reports: the fields a shopper gives, how each is checked, and the
status lifecycle enforcement moves a report through. Transport-free; the store persists them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

REPORTS_PER_HOUR = 5
MAX_PHOTOS = 10
MAX_PHOTO_BYTES = 20 * 1024 * 1024  # what a bot may download from Telegram

# Per-field length limits (characters).
LIMITS = {
    "brand_other": 100,
    "product": 200,
    "shop": 200,
    "link": 2000,
    "share_code": 1000,
    "order_number": 64,
    "problem": 2000,
    "note": 1000,
}


class Platform(StrEnum):
    DOUYIN_LIVE = "douyin_live"
    DOUYIN_SHOP = "douyin_shop"
    OTHER_APP = "other_app"
    OFFLINE = "offline"
    OTHER = "other"


class OfficialCheck(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_TRIED = "not_tried"


class Status(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CONFIRMED_COUNTERFEIT = "confirmed_counterfeit"
    NOT_COUNTERFEIT = "not_counterfeit"
    NEED_MORE_INFO = "need_more_info"
    FORWARDED = "forwarded"
    CLOSED = "closed"


# Where a report may go from each status. Anything else is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.UNDER_REVIEW, Status.CLOSED}),
    Status.UNDER_REVIEW: frozenset({Status.CONFIRMED_COUNTERFEIT, Status.NOT_COUNTERFEIT, Status.NEED_MORE_INFO}),
    Status.NEED_MORE_INFO: frozenset({Status.UNDER_REVIEW, Status.CLOSED}),
    Status.CONFIRMED_COUNTERFEIT: frozenset({Status.FORWARDED, Status.CLOSED}),
    Status.NOT_COUNTERFEIT: frozenset({Status.CLOSED}),
    Status.FORWARDED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class InvalidTransition(ValueError):
    def __init__(self, current: Status, wanted: Status):
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (it is closed)"
        super().__init__(f"a report that is {current} cannot become {wanted}; it can become: {allowed}")
        self.current, self.wanted = current, wanted


def check_transition(current: str, wanted: str) -> Status:
    """The wanted status, if a report in ``current`` may move there; else InvalidTransition."""
    now, to = Status(current), Status(wanted)
    if to not in TRANSITIONS[now]:
        raise InvalidTransition(now, to)
    return to


class FieldError(ValueError):
    """A shopper's answer that cannot be used; the message key says why (see bot.texts)."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Photo:
    sha256: str
    file_id: str
    file_unique_id: str
    size: int
    mime: str = "image/jpeg"


@dataclass
class Draft:
    """A report being written, one answer at a time; plain data so it can be persisted as JSON."""

    brand: str | None = None  # partner brand id
    brand_other: str | None = None  # a brand that is not a partner, as the shopper wrote it
    product: str | None = None
    platform: str | None = None
    shop: str | None = None
    link: str | None = None
    share_code: str | None = None
    order_number: str | None = None
    price_cents: int | None = None
    purchase_date: str | None = None  # ISO date
    problem: str | None = None
    failed_tip: str | None = None  # the tip it fails, when the report started from an answer
    official_check: str | None = None
    photos: list[Photo] = field(default_factory=list)
    consent: bool | None = None
    lang: str = "zh"
    updated_at: float = 0.0
    submission_key: str | None = None  # set when the draft is started: a second Submit finds the same report

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Draft:
        values: dict[str, Any] = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["photos"] = [Photo(**p) for p in values.get("photos") or []]
        return cls(**values)


def reference(report_id: int, year: int) -> str:
    """The number a shopper quotes: FW-2026-000123."""
    return f"FW-{year}-{report_id:06d}"


# --- checking one answer -----------------------------------------------------------------------


def clean_text(value: str, field_name: str, *, required: bool = True) -> str | None:
    text = " ".join(value.split()) if field_name not in ("problem", "share_code") else value.strip()
    if not text:
        if required:
            raise FieldError("field_required")
        return None
    limit = LIMITS[field_name]
    if len(text) > limit:
        raise FieldError("field_too_long", limit=limit, length=len(text))
    return text


_URL = re.compile(r"https?://[^\s<>\"'，。！？、；：（）【】]+", re.IGNORECASE)


def parse_link(value: str) -> tuple[str | None, str | None]:
    """A listing or live-room link, or a share code (口令) pasted from the app: (link, share_code).

    Shares copied from Douyin are a blob of text with a short link inside; the link is kept,
    and the whole blob too, since the text names the shop or live room.
    """
    text = value.strip()
    if len(text) > LIMITS["share_code"]:
        raise FieldError("field_too_long", limit=LIMITS["share_code"], length=len(text))
    found = _URL.search(text)
    if found:
        url = found.group().rstrip(".,;")
        if not _valid_url(url):
            raise FieldError("bad_url")
        return url, text if text != url else None
    if re.match(r"^(www\.|[a-z]+:/|(javascript|data|vbscript|file|blob):)", text, re.IGNORECASE) or "://" in text:
        raise FieldError("bad_url")  # a link of another scheme (javascript:, data:) is not a share code
    if len(re.findall(r"[\w\u3400-\u9fff]", text)) < 4:
        raise FieldError("bad_link_or_code")
    return None, text


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and len(url) <= LIMITS["link"] and not host.startswith(".")


def parse_order_number(value: str) -> str:
    text = value.strip().replace(" ", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{4,64}", text):
        raise FieldError("bad_order_number")
    return text


# Thousands separators only where they belong: 1,299 and 12,345,678, never 1,2,3.
_MONEY = re.compile(r"^[¥￥$]?\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)\s*(元|块|rmb|cny)?$", re.IGNORECASE)


def parse_price(value: str) -> int:
    """Price paid, in fen (cents): '¥1,299', '1299元', '1299.5'."""
    text = value.strip().replace("，", ",")
    found = _MONEY.match(text)
    if not found:
        raise FieldError("bad_price")
    try:
        amount = Decimal(found.group(1).replace(",", ""))
    except InvalidOperation:
        raise FieldError("bad_price") from None
    if amount < 0:
        raise FieldError("negative_price")
    if amount > Decimal("10000000"):
        raise FieldError("bad_price")
    return int(amount * 100)


_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "today": 0, "yesterday": 1}


def parse_date(value: str, today: dt.date | None = None) -> str:
    """Purchase date as ISO text: 2026-11-20, 2026/11/20, 2026年11月20日, 11月20日, 11-20, 昨天."""
    today = today or dt.date.today()
    text = value.strip().lower()
    if text in _RELATIVE_DAYS:
        return (today - dt.timedelta(days=_RELATIVE_DAYS[text])).isoformat()
    found = re.fullmatch(r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?", text)
    if not found:
        raise FieldError("bad_date")
    year = int(found.group(1) or today.year)
    try:
        date = dt.date(year, int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise FieldError("bad_date") from None
    if not found.group(1) and date > today:  # "12月30日" typed in January means last year
        date = date.replace(year=year - 1)
    if date > today:
        raise FieldError("future_date")
    if date.year < 2000:
        raise FieldError("bad_date")
    return date.isoformat()


def missing_fields(draft: Draft) -> list[str]:
    """Required answers not yet given (a draft restored from storage is checked again)."""
    required = {
        "brand": draft.brand or draft.brand_other,
        "product": draft.product,
        "platform": draft.platform,
        "shop": draft.shop,
        "problem": draft.problem,
        "official_check": draft.official_check,
        "consent": draft.consent is not None,
    }
    return [name for name, value in required.items() if not value]
