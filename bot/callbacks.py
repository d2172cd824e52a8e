"""Button data: what each inline button asks for, encoded and decoded here and nowhere else.

Telegram hands callback data back exactly as a client sends it, so it is untrusted input: a
client can send data no button ever had. :func:`decode` turns data into a typed action, or into
:data:`NOT_AVAILABLE` when it is unknown, malformed, out of range or of a retired layout — never
an exception — and the handler answers that politely.

Every kind of button starts with a versioned prefix: ``tip2:…``, ``rv2:o:…``. A change of
layout gets the next version, and the decoder says what becomes of the old one. Version 1 is
the data buttons carried before prefixes had versions (``tip:…``, ``rv:o:…``); messages with
such buttons still sit in chats, so every version-1 layout is still read (the enforcement
buttons' status numbers through the list of statuses as it was then).

Transport-free: the presenter builds buttons with these actions, the Telegram layer encodes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .core.guides import ID_PATTERN
from .core.reports import OfficialCheck, Platform, Status

VERSION = 2
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer
MAX_PAGE = 10_000
MAX_ALTERNATIVES = 5
_TIP_REF = re.compile(r"[0-9a-f]{12}")
_SUBMISSION_KEY = re.compile(r"[0-9a-f]{16}")
_PHRASING_KEY = re.compile(r"[uf]([1-9][0-9]{0,18})")
_NUMBER = re.compile(r"[0-9]{1,19}")
_PREFIX = re.compile(r"([a-z]+)([0-9]*)")

# Version 2 names a status by a fixed two-letter code (a list index would shift if a status were added).
_STATUS_CODES = {
    Status.SUBMITTED: "sb", Status.UNDER_REVIEW: "ur", Status.CONFIRMED_COUNTERFEIT: "cc", Status.NOT_COUNTERFEIT: "nc",
    Status.NEED_MORE_INFO: "ni", Status.FORWARDED: "fw", Status.CLOSED: "cl",
}  # fmt: skip
_STATUS_BY_CODE = {code: status for status, code in _STATUS_CODES.items()}
# Version 1 named a status by its index in this list (the statuses in their order at the time).
_V1_STATUSES = (
    Status.SUBMITTED, Status.UNDER_REVIEW, Status.CONFIRMED_COUNTERFEIT, Status.NOT_COUNTERFEIT,
    Status.NEED_MORE_INFO, Status.FORWARDED, Status.CLOSED,
)  # fmt: skip
_CHOICES = {
    "platform": frozenset(p.value for p in Platform),
    "check": frozenset(c.value for c in OfficialCheck),
    "consent": frozenset({"yes", "no"}),
}


# --- shoppers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrandsPage:
    page: int


@dataclass(frozen=True, slots=True)
class OpenBrand:
    brand_id: str


@dataclass(frozen=True, slots=True)
class OpenTip:
    ref: str


@dataclass(frozen=True, slots=True)
class Vote:
    ref: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class ShowAlternatives:
    """ "其他问题" under answers sent before alternatives moved right under the answer (version 1 only)."""

    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Noop:
    """A button that only shows a state ("✅ recorded")."""


@dataclass(frozen=True, slots=True)
class StartReport:
    ref: str  # the tip the goods failed


# --- the report conversation -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportBrand:
    brand_id: str | None  # None: another brand, typed next


@dataclass(frozen=True, slots=True)
class ReportChoice:
    field: str  # platform, check or consent
    value: str


@dataclass(frozen=True, slots=True)
class PhotosDone:
    pass


@dataclass(frozen=True, slots=True)
class SubmitReport:
    submission_key: str | None = None  # the draft's: a press after a restart finds its report


@dataclass(frozen=True, slots=True)
class CancelReport:
    pass


# --- brand staff -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChooseTipFor:
    """Add a missed phrasing: first, which tip."""

    brand_id: str
    key: str


@dataclass(frozen=True, slots=True)
class DismissPhrasing:
    brand_id: str
    key: str


@dataclass(frozen=True, slots=True)
class AddPhrasing:
    key: str
    tip_ref: str


# --- enforcement -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportsPage:
    page: int
    status: Status | None
    brand_id: str | None


@dataclass(frozen=True, slots=True)
class OpenReport:
    report_id: int


@dataclass(frozen=True, slots=True)
class ReportPhotos:
    report_id: int


@dataclass(frozen=True, slots=True)
class MoveReport:
    report_id: int
    status: Status


@dataclass(frozen=True, slots=True)
class NotAvailable:
    """Data that asks for nothing this bot does (any more)."""


NOT_AVAILABLE = NotAvailable()

Action = (
    BrandsPage | OpenBrand | OpenTip | Vote | ShowAlternatives | Noop | StartReport
    | ReportBrand | ReportChoice | PhotosDone | SubmitReport | CancelReport
    | ChooseTipFor | DismissPhrasing | AddPhrasing
    | ReportsPage | OpenReport | ReportPhotos | MoveReport
)  # fmt: skip


# --- encoding ----------------------------------------------------------------------------------


def encode(action: Action) -> str:
    """The callback data for ``action`` (at most 64 bytes, as Telegram requires)."""
    fields = _fields(action)
    return ":".join([f"{fields[0]}{VERSION}", *fields[1:]])


def _fields(action: Action) -> list[str]:
    """The kind, then the fields; ShowAlternatives is read but no longer written."""
    match action:
        case BrandsPage(page):
            return ["brands", str(page)]
        case OpenBrand(brand_id):
            return ["brand", brand_id]
        case OpenTip(ref):
            return ["tip", ref]
        case Vote(ref, helpful):
            return ["fb", "up" if helpful else "down", ref]
        case Noop():
            return ["noop"]
        case StartReport(ref):
            return ["report", ref]
        case ReportBrand(brand_id):
            return ["rp", "brand", brand_id or "-"]
        case ReportChoice(field, value):
            return ["rp", field, value]
        case PhotosDone():
            return ["rp", "photos"]
        case SubmitReport(key):
            return ["rp", "submit", key] if key else ["rp", "submit"]
        case CancelReport():
            return ["rp", "cancel"]
        case ChooseTipFor(brand_id, key):
            return ["ua", "a", brand_id, key]
        case DismissPhrasing(brand_id, key):
            return ["ua", "d", brand_id, key]
        case AddPhrasing(key, tip_ref):
            return ["ua", "t", key, tip_ref]
        case ReportsPage(page, status, brand_id):
            return ["rv", "p", str(page), _STATUS_CODES[status] if status else "-", brand_id or ""]
        case OpenReport(report_id):
            return ["rv", "o", str(report_id)]
        case ReportPhotos(report_id):
            return ["rv", "f", str(report_id)]
        case MoveReport(report_id, status):
            return ["rv", "s", str(report_id), _STATUS_CODES[status]]
    raise TypeError(f"not a button action: {action!r}")


# --- decoding ----------------------------------------------------------------------------------


class _Malformed(ValueError):
    """Data that does not follow its kind's layout."""


def decode(data: object) -> Action | NotAvailable:
    """The action ``data`` asks for, or NOT_AVAILABLE; never raises."""
    if not isinstance(data, str) or len(data.encode()) > 64:
        return NOT_AVAILABLE
    prefix, *fields = data.split(":")
    found = _PREFIX.fullmatch(prefix)
    if found is None:
        return NOT_AVAILABLE
    reader = _READERS.get((found.group(1), int(found.group(2) or 1)))
    if reader is None:
        return NOT_AVAILABLE
    try:
        return reader(fields)
    except _Malformed:
        return NOT_AVAILABLE


def matches(*kinds: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: data that decodes to one of ``kinds``."""
    return lambda data: isinstance(decode(data), kinds)


def _number(text: str, low: int, high: int) -> int:
    if not _NUMBER.fullmatch(text) or not low <= int(text) <= high:
        raise _Malformed(text)
    return int(text)


def _row_id(text: str) -> int:
    return _number(text, 1, MAX_ROW_ID)


def _page(text: str) -> int:
    return _number(text, 0, MAX_PAGE)


def _brand_id(text: str) -> str:
    if not ID_PATTERN.fullmatch(text):
        raise _Malformed(text)
    return text


def _tip_ref(text: str) -> str:
    if not _TIP_REF.fullmatch(text):
        raise _Malformed(text)
    return text


def _phrasing_key(text: str) -> str:
    found = _PHRASING_KEY.fullmatch(text)
    if found is None or int(found.group(1)) > MAX_ROW_ID:
        raise _Malformed(text)
    return text


def _v2_status(code: str) -> Status:
    if code not in _STATUS_BY_CODE:
        raise _Malformed(code)
    return _STATUS_BY_CODE[code]


def _v1_status(index: str) -> Status:
    return _V1_STATUSES[_number(index, 0, len(_V1_STATUSES) - 1)]


def _exactly(fields: list[str], count: int) -> list[str]:
    if len(fields) != count:
        raise _Malformed(":".join(fields))
    return fields


def _read_brands(fields: list[str]) -> Action:
    return BrandsPage(_page(*_exactly(fields, 1)))


def _read_brand(fields: list[str]) -> Action:
    return OpenBrand(_brand_id(*_exactly(fields, 1)))


def _read_tip(fields: list[str]) -> Action:
    return OpenTip(_tip_ref(*_exactly(fields, 1)))


def _read_vote(fields: list[str]) -> Action:
    vote, ref = _exactly(fields, 2)
    if vote not in ("up", "down"):
        raise _Malformed(vote)
    return Vote(_tip_ref(ref), helpful=vote == "up")


def _read_alternatives(fields: list[str]) -> Action:
    refs = _exactly(fields, 1)[0].split(",")
    if len(refs) > MAX_ALTERNATIVES:
        raise _Malformed(fields[0])
    return ShowAlternatives(tuple(_tip_ref(ref) for ref in refs))


def _read_noop(fields: list[str]) -> Action:
    _exactly(fields, 0)
    return Noop()


def _read_start_report(fields: list[str]) -> Action:
    return StartReport(_tip_ref(*_exactly(fields, 1)))


def _report_step(fields: list[str], photos_done: tuple[str, ...]) -> Action:
    """A report-conversation button; ``photos_done`` is how the "done with photos" fields read."""
    if tuple(fields) == photos_done:
        return PhotosDone()
    if fields == ["submit"]:
        return SubmitReport()
    if len(fields) == 2 and fields[0] == "submit":
        if not _SUBMISSION_KEY.fullmatch(fields[1]):
            raise _Malformed(fields[1])
        return SubmitReport(fields[1])
    if fields == ["cancel"]:
        return CancelReport()
    step, value = _exactly(fields, 2)
    if step == "brand":
        return ReportBrand(None if value == "-" else _brand_id(value))
    if value not in _CHOICES.get(step, ()):
        raise _Malformed(value)
    return ReportChoice(step, value)


def _read_phrasing(fields: list[str]) -> Action:
    action, first, second = _exactly(fields, 3)
    if action == "a":
        return ChooseTipFor(_brand_id(first), _phrasing_key(second))
    if action == "d":
        return DismissPhrasing(_brand_id(first), _phrasing_key(second))
    if action == "t":
        return AddPhrasing(_phrasing_key(first), _tip_ref(second))
    raise _Malformed(action)


def _review(fields: list[str], status: Callable[[str], Status]) -> Action:
    """An enforcement button; ``status`` reads a status as that version wrote it."""
    if not fields:
        raise _Malformed("")
    action, rest = fields[0], fields[1:]
    if action == "p":
        page, wanted, brand = _exactly(rest, 3)
        return ReportsPage(_page(page), None if wanted == "-" else status(wanted), _brand_id(brand) if brand else None)
    if action == "o":
        return OpenReport(_row_id(*_exactly(rest, 1)))
    if action == "f":
        return ReportPhotos(_row_id(*_exactly(rest, 1)))
    if action == "s":
        report_id, wanted = _exactly(rest, 2)
        return MoveReport(_row_id(report_id), status(wanted))
    raise _Malformed(action)


_SHARED: dict[str, Callable[[list[str]], Action]] = {
    "brands": _read_brands,
    "brand": _read_brand,
    "tip": _read_tip,
    "fb": _read_vote,
    "noop": _read_noop,
    "report": _read_start_report,
    "ua": _read_phrasing,
}
_READERS: dict[tuple[str, int], Callable[[list[str]], Action]] = {
    **{(kind, 1): reader for kind, reader in _SHARED.items()},
    **{(kind, 2): reader for kind, reader in _SHARED.items()},
    ("alt", 1): _read_alternatives,
    ("rp", 1): lambda fields: _report_step(fields, photos_done=("photos", "done")),
    ("rp", 2): lambda fields: _report_step(fields, photos_done=("photos",)),
    ("rv", 1): lambda fields: _review(fields, _v1_status),
    ("rv", 2): lambda fields: _review(fields, _v2_status),
}
