"""Turn what the core found into what people read: text (Telegram HTML) and buttons.

Every view is built here — answers, report cards, report lists, guide versions, exports,
refusals — transport-free, so the Telegram handlers, ``authbot ask`` and ``authbot shell`` all
show the same thing. Buttons carry typed actions (:mod:`bot.callbacks`), which the Telegram
layer encodes as callback data.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .callbacks import (
    Action,
    AddPhrasing,
    BrandsPage,
    CancelReport,
    ChooseTipFor,
    DismissPhrasing,
    MoveReport,
    OpenBrand,
    OpenReport,
    OpenTip,
    ReportPhotos,
    ReportsPage,
    StartReport,
    SubmitReport,
    Vote,
)
from .core.guides import Brand, Tip
from .core.library import Catalog, tip_ref
from .core.matcher import Candidate, Match
from .core.phrasings import Cluster
from .core.reports import TRANSITIONS, Draft, Status
from .core.roles import Grant, Role
from .core.sellers import Seller
from .core.services.access import Actor, Forbidden, Privilege
from .core.services.enforcement import ReportCase, ReportPage
from .core.services.errors import (
    NotFound,
    PhrasingGone,
    UnknownBrand,
    UnknownReport,
    UnknownVersion,
)
from .core.services.evidence import EvidencePack
from .core.services.exports import ExportSummary
from .core.services.guides import (
    GuideHistory,
    MissedPhrasing,
    PhrasingAdded,
    Publication,
    Published,
    Refusal,
)
from .core.services.roles import RoleChange, RoleList
from .core.store.records import Notification, ReportRecord, StatusChange
from .texts import Lang, say

TELEGRAM_LIMIT = 4096
BRANDS_PER_PAGE = 30


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action


@dataclass(frozen=True, slots=True)
class Reply:
    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def plain(self) -> str:
        """The same text without markup, for the terminal."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.html))


def answer(catalog: Catalog, match: Match, lang: Lang) -> Reply:
    """The whole reply to one shopper question."""
    if match.answer is None:
        return no_answer(catalog, match, lang)
    found = catalog.tip(match.answer.brand, match.answer.tip)
    if found is None:  # the guide changed between matching and replying
        return no_answer(catalog, match, lang)
    brand, tip = found
    if match.brand_only:
        others = [catalog.brand(c.brand) for c in match.candidates]
        if any(b is not None and b.id != brand.id for b in others):
            return pick_brand(catalog, [match.answer, *match.candidates], lang)
        return brand_overview(brand, lang)
    return tip_reply(brand, tip, lang, alternatives=_tip_buttons(catalog, match.candidates))


def tip_reply(brand: Brand, tip: Tip, lang: Lang, alternatives: tuple[Button, ...] = ()) -> Reply:
    """A tip; close alternatives (the matcher's candidates) one tap away right under it."""
    ref = tip_ref(brand.id, tip.id)
    text = _tip_text(brand, tip, lang)
    if alternatives:
        text += "\n\n" + say("did_you_mean", lang)
    rows: list[tuple[Button, ...]] = [(b,) for b in alternatives]
    rows.append((Button("👍", Vote(ref, helpful=True)), Button("👎", Vote(ref, helpful=False))))
    related = [t for t in (brand.tip(r) for r in tip.related) if t is not None]
    rows.extend((Button(t.title, OpenTip(tip_ref(brand.id, t.id))),) for t in related)
    rows.append((Button("举报疑似假货 / Report a suspected fake", StartReport(ref)),))
    return Reply(text, tuple(rows))


def _tip_buttons(catalog: Catalog, candidates: tuple[Candidate, ...]) -> tuple[Button, ...]:
    """One button per candidate tip still in the guides, labelled with brand and title."""
    buttons = []
    for c in candidates:
        found = catalog.tip(c.brand, c.tip)
        if found:
            buttons.append(Button(f"{found[0].name} · {found[1].title}", OpenTip(tip_ref(c.brand, c.tip))))
    return tuple(buttons)


def _tip_text(brand: Brand, tip: Tip, lang: Lang) -> str:
    body = tip.answer_en if lang == "en" and tip.answer_en else tip.answer
    parts = [f"<b>{_e(brand.name)} · {_e(tip.title)}</b>", _e(body)]
    if lang == "en" and not tip.answer_en:
        parts.append(say("zh_only", lang))
    parts.extend(_official_lines(brand, lang))
    parts.append(say("clone_warning", lang))
    return "\n\n".join(p for p in parts if p)


def _official_lines(brand: Brand, lang: Lang) -> list[str]:
    """Where to verify for certain: the brand's own channels, or the general advice."""
    official = brand.official
    lines = []
    if official.verify_url:
        lines.append(say("official_url", lang, url=official.verify_url))
    if official.hotline:
        lines.append(say("official_hotline", lang, hotline=official.hotline))
    if official.note:
        lines.append(_e(official.note))
    return ["\n".join(lines)] if lines else [say("verify_fallback", lang)]


def brand_overview(brand: Brand, lang: Lang) -> Reply:
    """A brand named with no particular check: list its tips as buttons."""
    text = "\n\n".join([say("brand_overview", lang, brand=brand.name), *_official_lines(brand, lang)])
    rows = tuple((Button(t.title, OpenTip(tip_ref(brand.id, t.id))),) for t in brand.tips)
    return Reply(text, rows)


def pick_brand(catalog: Catalog, candidates: list[Candidate], lang: Lang) -> Reply:
    rows = []
    for c in candidates:
        brand = catalog.brand(c.brand)
        if brand:
            rows.append((Button(brand.name, OpenBrand(brand.id)),))
    return Reply(say("which_one", lang), tuple(rows))


def no_answer(catalog: Catalog, match: Match, lang: Lang) -> Reply:
    parts = [say("no_answer", lang)]
    if match.other_brand:
        parts.append(say("other_brand", lang, brand=match.other_brand))
    names = "、".join(b.name for b in catalog.brands) if lang == "zh" else ", ".join(b.name for b in catalog.brands)
    parts += [say("covered_brands", lang, brands=names), say("name_the_brand", lang), say("verify_fallback", lang)]
    buttons = _tip_buttons(catalog, match.candidates)
    if buttons:
        parts.append(say("did_you_mean", lang))
    return Reply("\n\n".join(parts), tuple((b,) for b in buttons))


def brands_page(catalog: Catalog, page: int, lang: Lang) -> Reply:
    """Brands grouped by category, paged so that a thousand partners still fit in buttons."""
    ordered = [(category, brand) for category, members in catalog.categories().items() for brand in members]
    pages = max(1, -(-len(ordered) // BRANDS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = ordered[page * BRANDS_PER_PAGE : (page + 1) * BRANDS_PER_PAGE]
    lines = [say("brands_intro", lang)]
    rows: list[tuple[Button, ...]] = []
    for category in dict.fromkeys(c for c, _ in shown):
        members = [b for c, b in shown if c == category]
        lines.append(f"<b>{_e(category)}</b>：" + "、".join(_e(b.name) for b in members))
        rows.extend(tuple(Button(b.name, OpenBrand(b.id)) for b in members[i : i + 3]) for i in range(0, len(members), 3))
    if pages > 1:
        lines.append(say("brands_page", lang, page=page + 1, pages=pages))
        rows.append(_page_buttons(page, pages, lambda n: BrandsPage(n), lang))
    return Reply("\n".join(lines), tuple(rows))


def brand_tips(brand: Brand, lang: Lang) -> Reply:
    """A brand tapped in the brand list: its tips, with a way back to the list."""
    overview = brand_overview(brand, lang)
    return Reply(overview.html, (*overview.buttons, (Button(say("back", lang), BrandsPage(0)),)))


def alternatives(catalog: Catalog, refs: tuple[str, ...], lang: Lang) -> Reply | None:
    """The "其他问题" list of old answers, or None when none of its tips exists any more."""
    found = [(ref, catalog.by_ref(ref)) for ref in refs]
    rows = tuple((Button(f"{hit[0].name} · {hit[1].title}", OpenTip(ref)),) for ref, hit in found if hit is not None)
    return Reply(say("other_questions", lang), rows) if rows else None


def _page_buttons(page: int, pages: int, action: Callable[[int], Action], lang: Lang) -> tuple[Button, ...]:
    previous = (Button(say("previous", lang), action(page - 1)),) if page > 0 else ()
    following = (Button(say("more", lang), action(page + 1)),) if page + 1 < pages else ()
    return previous + following


# --- reports -----------------------------------------------------------------------------------


class ReportFields(Protocol):
    """What a report card shows, whether the report is still a draft or stored."""

    @property
    def brand(self) -> str | None: ...
    @property
    def brand_other(self) -> str | None: ...
    @property
    def product(self) -> str | None: ...
    @property
    def platform(self) -> str | None: ...
    @property
    def shop(self) -> str | None: ...
    @property
    def link(self) -> str | None: ...
    @property
    def share_code(self) -> str | None: ...
    @property
    def order_number(self) -> str | None: ...
    @property
    def price_cents(self) -> int | None: ...
    @property
    def purchase_date(self) -> str | None: ...
    @property
    def problem(self) -> str | None: ...
    @property
    def failed_tip(self) -> str | None: ...
    @property
    def official_check(self) -> str | None: ...
    @property
    def consent(self) -> bool | None: ...


def report_summary(catalog: Catalog, draft: Draft, lang: Lang) -> Reply:
    """The shopper's report before Submit: every answer, then Submit and Cancel."""
    lines = [say("summary", lang), *_report_lines(catalog, draft, len(draft.photos), lang)]
    return Reply(
        "\n".join(lines),
        ((Button(say("submit", lang), SubmitReport(draft.submission_key)), Button(say("cancel", lang), CancelReport())),),
    )


def report_card(catalog: Catalog, case: ReportCase, viewer: int | None, lang: Lang) -> Reply:
    """A stored report for enforcement: status, every answer, the history, photos and the moves allowed."""
    report = case.report
    dup = say("dup_mark", lang, n=report.duplicates) if report.duplicates else ""
    lines = [f"<b>{_e(report.reference)}</b>{dup}", f"• {say('label_status', lang)}：{say(f'status_{report.status}', lang)}"]
    lines += _report_lines(catalog, report, len(case.photos), lang)
    lines.append(say("report_history", lang))
    lines += ["  " + history_line(change, report, viewer, lang) for change in case.history]
    rows: list[tuple[Button, ...]] = []
    if case.photos:
        rows.append((Button(say("report_detail_photos", lang, n=len(case.photos)), ReportPhotos(report.id)),))
    for status in (s for s in Status if s in TRANSITIONS[Status(report.status)]):
        rows.append((Button(say("move_to", lang, status=say(f"status_{status.value}", lang)), MoveReport(report.id, status)),))
    return Reply("\n".join(lines), tuple(rows))


def _report_lines(catalog: Catalog, report: ReportFields, photos: int, lang: Lang) -> list[str]:
    return [
        f"• {say(label, lang)}：{_e(value) if value else say('not_given', lang)}"
        for label, value in report_fields(catalog, report, photos, lang)
    ]


def report_fields(catalog: Catalog, report: ReportFields, photos: int, lang: Lang) -> list[tuple[str, str | None]]:
    """Every answer of a report as (label key in bot.texts, plain value or None): the card's lines, the console's table."""
    brand = catalog.brand(report.brand) if report.brand else None
    tip = brand.tip(report.failed_tip) if brand and report.failed_tip else None
    return [
        ("label_brand", brand.name if brand else (report.brand_other or report.brand)),
        ("label_product", report.product),
        ("label_platform", say(f"platform_{report.platform}", lang) if report.platform else None),
        ("label_shop", report.shop),
        ("label_link", report.link or report.share_code),
        ("label_order", report.order_number),
        ("label_price", f"¥{report.price_cents / 100:,.2f}" if report.price_cents is not None else None),
        ("label_date", report.purchase_date),
        ("label_problem", report.problem),
        ("label_failed_tip", tip.title if tip else report.failed_tip),
        ("label_check", say(f"check_{report.official_check}", lang) if report.official_check else None),
        ("label_photos", str(photos)),
        ("label_consent", say("yes" if report.consent else "no", lang)),
    ]


def history_line(change: StatusChange, report: ReportRecord, viewer: int | None, lang: Lang) -> str:
    """``2026-11-30 10:02 · 已提交 → 审核中 · 打假团队 · 说明：…``: localized, and who by role."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(change.changed_at))
    new = say(f"status_{change.to_status}", lang)
    if change.from_status is None:
        line = say("history_created", lang, when=when, status=new, who=_who(change, report, viewer, lang))
    else:
        old = say(f"status_{change.from_status}", lang)
        line = say("history_moved", lang, when=when, old=old, new=new, who=_who(change, report, viewer, lang))
    return line + (" · " + say("status_note", lang, note=change.note) if change.note else "")


def _who(change: StatusChange, report: ReportRecord, viewer: int | None, lang: Lang) -> str:
    if change.changed_by is None:
        return say("by_operator", lang)
    if change.from_status is None and change.changed_by == report.user_id:
        return say("by_reporter", lang)
    return say("by_you" if change.changed_by == viewer else "by_team", lang)


def report_page(catalog: Catalog, page: ReportPage, lang: Lang) -> Reply:
    """One page of reports for enforcement, each a button that opens its card."""
    if not page.reports:
        return Reply(say("reports_none", lang))
    brand = catalog.brand(page.brand_id) if page.brand_id else None
    header = say(
        "reports_page",
        lang,
        status=say(f"status_{page.status.value}", lang) if page.status else say("any_status", lang),
        brand=f" · {brand.name if brand else page.brand_id}" if page.brand_id else "",
        page=page.page + 1,
        pages=page.pages,
        total=page.total,
    )
    lines = [header] + [_report_line(catalog, r, lang) for r in page.reports]
    rows: list[tuple[Button, ...]] = [(Button(f"{r.reference} · {r.product[:20]}", OpenReport(r.id)),) for r in page.reports]
    nav = _page_buttons(page.page, page.pages, lambda n: ReportsPage(n, page.status, page.brand_id), lang)
    return Reply("\n".join(lines), (*rows, nav) if nav else tuple(rows))


def _report_line(catalog: Catalog, report: ReportRecord, lang: Lang) -> str:
    dup = say("dup_mark", lang, n=report.duplicates) if report.duplicates else ""
    return say(
        "report_line",
        lang,
        ref=report.reference,
        brand=_brand_name(catalog, report),
        product=report.product,
        shop=report.shop,
        status=say(f"status_{report.status}", lang),
        dup=dup,
    )


def my_reports(catalog: Catalog, reports: list[ReportRecord], lang: Lang) -> Reply:
    """The shopper's own reports with their status."""
    if not reports:
        return Reply(say("no_reports", lang))
    lines = [say("my_reports", lang, n=len(reports))]
    for r in reports:
        when = time.strftime("%Y-%m-%d", time.localtime(r.created_at))
        lines.append(
            f"• <b>{_e(r.reference)}</b> {_e(_brand_name(catalog, r))} · {_e(r.product)} · {when} · {say('status_' + r.status, lang)}"
        )
    return Reply("\n".join(lines))


def status_news(note: Notification) -> Reply:
    """What the shopper is told when their report moves on, in the language they reported in."""
    lang: Lang = "en" if note.lang == "en" else "zh"
    if note.from_status is None:  # the report itself, just committed: its reference
        return Reply(say("submitted", lang, ref=note.reference))
    text = say("status_changed", lang, ref=note.reference, product=note.product, status=say(f"status_{note.to_status}", lang))
    return Reply(text + ("\n" + say("status_note", lang, note=note.note) if note.note else ""))


def _brand_name(catalog: Catalog, report: ReportRecord) -> str:
    brand = catalog.brand(report.brand) if report.brand else None
    return brand.name if brand else (report.brand_other or report.brand or "")


def sellers(ranked: list[Seller], lang: Lang, limit: int = 20) -> Reply:
    if not ranked:
        return Reply(say("sellers_none", lang))
    lines = [say("sellers_header", lang)] + [
        say(
            "seller_line",
            lang,
            rank=i,
            name=s.name,
            platform=say(f"platform_{s.platform}", lang),
            shoppers=len(s.shoppers),
            reports=s.reports,
        )
        for i, s in enumerate(ranked[:limit], start=1)
    ]
    return Reply("\n".join(lines))


def export_summary(summary: ExportSummary, lang: Lang) -> Reply:
    return Reply(say("export_done", lang, n=summary.count))


def evidence_caption(pack: EvidencePack, lang: Lang) -> str:
    return say("evidence_caption", lang, ref=pack.reference)


# --- brand staff -------------------------------------------------------------------------------


def publication(result: Publication, lang: Lang) -> Reply:
    """What staff are told after sending a tip file (or rolling back): live, or why not."""
    if isinstance(result, Published):
        return published(result, lang)
    header = {
        Refusal.INVALID: say("upload_invalid", lang, n=len(result.errors)),
        Refusal.NAME_TAKEN: say("upload_name_taken", lang),
        Refusal.UNCHANGED: say("upload_same", lang),
    }[result.reason]
    return Reply("\n".join([header] + [f"• {_e(str(e))}" for e in result.errors[:30]]))


def published(result: Published, lang: Lang) -> Reply:
    diff = result.changes
    text = say(
        "published",
        lang,
        brand=result.brand.name,
        version=result.version,
        added=len(diff.added),
        added_ids=", ".join(diff.added) or "-",
        changed=len(diff.changed),
        changed_ids=", ".join(diff.changed) or "-",
        removed=len(diff.removed),
        removed_ids=", ".join(diff.removed) or "-",
    )
    return Reply(text + ("\n" + say("published_brand_fields", lang) if diff.brand_changed else ""))


def upload_forbidden(refused: Forbidden, lang: Lang) -> Reply:
    """An upload the sender may not publish: a new brand takes an admin, another brand is not theirs."""
    key = "upload_new_brand_admin" if refused.privilege is Privilege.ADD_BRAND else "upload_not_yours"
    return Reply(say(key, lang, brand=refused.brand or ""))


def guide_history(history: GuideHistory, lang: Lang) -> Reply:
    """The versions installed through the bot, newest first."""
    if not history.versions:
        return Reply(say("history_none", lang, brand=history.brand.name))
    lines = [say("history", lang, brand=history.brand.name)]
    for v in history.versions:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.installed_at))
        by = say("by_operator", lang) if v.installed_by is None else say("by_user", lang, user_id=v.installed_by)
        lines.append(f"v{v.version} · {when} · {by} · {v.size} B · {v.sha256[:12]} · {_e(v.note or '')}")
    return Reply("\n".join(lines))


def missed_phrasings(brand: Brand, clusters: list[Cluster], lang: Lang, limit: int = 10) -> list[Reply]:
    """A header, then one message per grouped wording with "add as a phrasing" and "dismiss"."""
    if not clusters:
        return [Reply(say("unanswered_none", lang, brand=brand.name))]
    items = [
        Reply(
            say("unanswered_item", lang, count=c.count, question=c.question),
            (
                (
                    Button(say("add_as_question", lang), ChooseTipFor(brand.id, c.key)),
                    Button(say("dismiss", lang), DismissPhrasing(brand.id, c.key)),
                ),
            ),
        )
        for c in clusters[:limit]
    ]
    return [Reply(say("unanswered_header", lang, brand=brand.name)), *items]


def choose_tip(missed: MissedPhrasing, lang: Lang) -> Reply:
    rows = tuple((Button(t.title, AddPhrasing(missed.cluster.key, tip_ref(missed.brand.id, t.id))),) for t in missed.brand.tips)
    return Reply(say("pick_tip", lang, question=missed.cluster.question), rows)


def phrasing_added(added: PhrasingAdded, lang: Lang) -> Reply:
    return Reply(f"{_e(added.question)}\n" + say("phrasing_added", lang, tip=added.tip.title, version=added.published.version))


def phrasing_dismissed(question: str, lang: Lang) -> Reply:
    return Reply(f"{_e(question)}\n{say('phrasing_dismissed', lang)}")


# --- roles -------------------------------------------------------------------------------------


def role_name(grant: Grant, lang: Lang) -> str:
    if grant.role is Role.ADMIN:
        return say("role_admin", lang)
    return say(f"role_{grant.role.value}", lang, brand=grant.brand or say("all_brands", lang))


def whoami(actor: Actor, lang: Lang) -> Reply:
    names = ([say("role_admin", lang)] if actor.configured_admin else []) + [role_name(g, lang) for g in actor.grants]
    return Reply(say("whoami", lang, user_id=actor.user_id, roles="、".join(dict.fromkeys(names)) or say("role_shopper", lang)))


def console_link(link: str, lang: Lang) -> Reply:
    return Reply(say("console_link", lang, link=link))


def role_change(change: RoleChange, granting: bool, lang: Lang) -> Reply:
    key = ("granted" if change.changed else "already_granted") if granting else ("revoked" if change.changed else "not_granted")
    return Reply(say(key, lang, user_id=change.grant.user_id, role=role_name(change.grant, lang)))


def role_list(roles: RoleList, lang: Lang) -> Reply:
    if not roles.grants:
        return Reply(say("roles_none", lang, admins=", ".join(str(i) for i in sorted(roles.configured_admins)) or "-"))
    return Reply(
        "\n".join([say("roles_list", lang)] + [f"• <code>{g.user_id}</code> {_e(role_name(g, lang))}" for g in roles.grants])
    )


# --- refusals ----------------------------------------------------------------------------------


def refusal(lang: Lang) -> Reply:
    """A plain refusal: no hint of what exists or why."""
    return Reply(say("refused", lang))


def not_found(problem: NotFound, lang: Lang) -> Reply:
    if isinstance(problem, UnknownBrand):
        return Reply(say("unknown_brand", lang, brand=problem.brand_id))
    if isinstance(problem, UnknownVersion):
        return Reply(say("no_version", lang, brand=problem.brand_id, version=problem.version))
    if isinstance(problem, UnknownReport):
        return Reply(say("no_report", lang, ref=problem.reference))
    return button_gone(problem, lang)


def button_gone(problem: NotFound | None, lang: Lang) -> Reply:
    """A button whose data asks for nothing (any more): forged, stale, or its subject gone."""
    return Reply(say("phrasing_gone" if isinstance(problem, PhrasingGone) else "not_available", lang))


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a reply into messages under Telegram's limit, at paragraph and then line breaks.

    Markup in our replies never spans a line, so cutting between lines keeps every tag closed;
    a single line longer than the limit is cut outside any tag or entity, and a span it cuts
    through (``<b>…</b>``) is closed at the end of one message and opened again in the next.
    """
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single enormous line
            piece, line = _cut_line(line, limit)
            chunks.extend([current] if current else [])
            chunks.append(piece)
            current = ""
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return [c for c in chunks if c.strip()]


_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")
_TAG_RESERVE = 200  # room for the closing tags a cut adds


def _cut_line(line: str, limit: int) -> tuple[str, str]:
    """The first message's worth of ``line`` with its open spans closed, and the rest reopened."""
    cut = _safe_cut(line, limit - _TAG_RESERVE)
    head, rest = line[:cut], line[cut:]
    opened: list[tuple[str, str]] = []  # (name, the opening tag as written)
    for tag in _TAG.finditer(head):
        if not tag.group(1):
            opened.append((tag.group(2), tag.group()))
        elif opened and opened[-1][0] == tag.group(2):
            opened.pop()
    closing = "".join(f"</{name}>" for name, _ in reversed(opened))
    return head + closing, "".join(tag for _, tag in opened) + rest


def _safe_cut(line: str, limit: int) -> int:
    cut = limit
    while cut > 0 and (line.rfind("<", 0, cut) > line.rfind(">", 0, cut) or line.rfind("&", 0, cut) > line.rfind(";", 0, cut)):
        cut -= 1
    return cut or limit


def _e(text: str) -> str:
    return html.escape(text, quote=False)
