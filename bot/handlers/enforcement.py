"""Enforcement teams: review reports, move them through their status, export them, find repeat
offenders, pack evidence. A team scoped to some brands sees, changes and exports only those;
every list, change, export and evidence pack is written to the audit log."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import html
import tempfile
import time
import warnings
from pathlib import Path

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from ..core.evidence import build_pack, path_for
from ..core.exports import export
from ..core.reports import TRANSITIONS, InvalidTransition, Status, clean_text
from ..core.roles import Permissions
from ..core.sellers import rank_sellers
from ..core.store.records import ReportRecord
from ..core.store.reports import ReportFilter
from ..presenter import Button, Reply
from ..texts import Lang, say
from .common import Context, command_args, keyboard, permissions, refuse, send, services, user_lang
from .reports import deliver_notifications

PAGE_SIZE = 8
STATUSES = list(Status)  # callback data carries a status as its index here (64-byte limit)
NOTE = 0
TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024


def handlers() -> list[BaseHandler]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")  # one note per enforcer, as intended
        note = ConversationHandler(
            entry_points=[CallbackQueryHandler(on_move, pattern=r"^rv:s:\d+:\d+$")],
            states={NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_note), CommandHandler("skip", on_note)]},
            fallbacks=[CommandHandler("cancel", on_cancel_note)],
            conversation_timeout=600,
        )
    return [
        CommandHandler("reports", list_reports),
        CallbackQueryHandler(on_page, pattern=r"^rv:p:"),
        CallbackQueryHandler(on_open, pattern=r"^rv:o:\d+$"),
        CallbackQueryHandler(on_photos, pattern=r"^rv:f:\d+$"),
        note,
        CommandHandler("export", export_reports),
        CommandHandler("sellers", sellers),
        CommandHandler("evidence", evidence),
    ]


async def _enforcer(update: Update, context: Context, brand: str | None = None, any_brand: bool = False) -> Permissions | None:
    """The user's permissions if they may enforce (for ``brand`` when given); else a refusal."""
    allowed = await permissions(update, context)
    if not allowed.is_enforcement or (not any_brand and not allowed.can_enforce(brand)):
        await refuse(update, context)
        return None
    return allowed


def _scope(allowed: Permissions, brand: str | None) -> frozenset[str] | None:
    """The brands a list may show: the one asked for, within what the user may see."""
    return frozenset({brand}) if brand else allowed.enforcement_brands


# --- reviewing ---------------------------------------------------------------------------------


async def list_reports(update: Update, context: Context) -> None:
    """/reports [status] [brand]: newest first, paged, each report a button."""
    lang = user_lang(update, context)
    status, brand = None, None
    for arg in command_args(context):
        if arg.lower() in Status._value2member_map_:
            status = arg.lower()
        else:
            brand = arg.lower()
    allowed = await _enforcer(update, context, brand, any_brand=brand is None)
    if allowed is None:
        return
    if brand and services(context).library.catalog.brand(brand) is None:
        await send(update.effective_message, Reply(say("unknown_brand", lang, brand=brand)))  # type: ignore[arg-type]
        return
    reply = await _page(context, allowed, status, brand, 0, lang)
    await services(context).store.roles.audit(allowed.user_id, "list reports", brand, status)
    await send(update.effective_message, reply)  # type: ignore[arg-type]


async def on_page(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, _, page, status_index, brand = (query.data.split(":") + ["", "", "", "", ""])[:5]
    allowed = await _enforcer(update, context, brand or None, any_brand=not brand)
    if allowed is None:
        return
    await query.answer()
    status = STATUSES[int(status_index)].value if status_index.isdigit() and int(status_index) < len(STATUSES) else None
    reply = await _page(context, allowed, status, brand or None, int(page) if page.isdigit() else 0, user_lang(update, context))
    await query.edit_message_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply))


async def _page(context: Context, allowed: Permissions, status: str | None, brand: str | None, page: int, lang: Lang) -> Reply:
    store, catalog = services(context).store, services(context).library.catalog
    found, total = await store.reports.page(ReportFilter(_scope(allowed, brand), status), page * PAGE_SIZE, PAGE_SIZE)
    if not found:
        return Reply(say("reports_none", lang))
    pages = -(-total // PAGE_SIZE)
    header = say("reports_page", lang, status=say(f"status_{status}", lang) if status else say("any_status", lang),
                 brand=f" · {brand}" if brand else "", page=page + 1, pages=pages, total=total)
    lines = [header] + [_line(r, catalog, lang) for r in found]
    rows: list[tuple[Button, ...]] = [(Button(f"{r.reference} · {r.product[:20]}", f"rv:o:{r.id}"),) for r in found]
    code = str(STATUSES.index(Status(status))) if status else "-"
    nav = []
    if page > 0:
        nav.append(Button(say("previous", lang), f"rv:p:{page - 1}:{code}:{brand or ''}"))
    if page + 1 < pages:
        nav.append(Button(say("more", lang), f"rv:p:{page + 1}:{code}:{brand or ''}"))
    if nav:
        rows.append(tuple(nav))
    return Reply("\n".join(lines), tuple(rows))


def _line(report: ReportRecord, catalog, lang: Lang) -> str:  # type: ignore[no-untyped-def]
    brand = catalog.brand(report.brand) if report.brand else None
    name = brand.name if brand else (report.brand_other or "")
    dup = say("dup_mark", lang, n=report.duplicates) if report.duplicates else ""
    return say("report_line", lang, ref=report.reference, brand=name, product=report.product, shop=report.shop, status=say(f"status_{report.status}", lang), dup=dup)


async def on_open(update: Update, context: Context) -> None:
    """A report: every field, its history, its photos, and the moves its status allows."""
    query = update.callback_query
    assert query is not None and query.data is not None
    report = await services(context).store.reports.find_by_id(int(query.data.split(":")[2]))
    allowed = await _enforcer(update, context, report.brand if report else None)
    if allowed is None or report is None:
        return
    await query.answer()
    lang = user_lang(update, context)
    await send(query.message, await _detail(context, report, lang))  # type: ignore[arg-type]


async def _detail(context: Context, report: ReportRecord, lang: Lang) -> Reply:
    reports = services(context).store.reports
    photos = await reports.evidence(report.id)
    history = await reports.history(report.id)
    fields = [
        ("label_status", say(f"status_{report.status}", lang)), ("label_brand", report.brand or report.brand_other),
        ("label_product", report.product), ("label_platform", say(f"platform_{report.platform}", lang)), ("label_shop", report.shop),
        ("label_link", report.link or report.share_code), ("label_order", report.order_number),
        ("label_price", f"¥{report.price_cents / 100:,.2f}" if report.price_cents is not None else None),
        ("label_date", report.purchase_date), ("label_problem", report.problem), ("label_failed_tip", report.failed_tip),
        ("label_check", say(f"check_{report.official_check}", lang)), ("label_consent", say("yes" if report.consent else "no", lang)),
    ]
    lines = [f"<b>{report.reference}</b>" + (say("dup_mark", lang, n=report.duplicates) if report.duplicates else "")]
    lines += [f"• {say(label, lang)}：{html.escape(str(value)) if value else say('not_given', lang)}" for label, value in fields]
    lines.append(say("report_history", lang))
    for change in history:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(change.changed_at))
        note = f" · {html.escape(change.note)}" if change.note else ""
        lines.append(f"  {when} {change.from_status or '-'} → {change.to_status} ({change.changed_by}){note}")
    rows: list[tuple[Button, ...]] = []
    if photos:
        rows.append((Button(say("report_detail_photos", lang, n=len(photos)), f"rv:f:{report.id}"),))
    moves = sorted(TRANSITIONS[Status(report.status)], key=STATUSES.index)
    rows += [(Button(say("move_to", lang, status=say(f"status_{s.value}", lang)), f"rv:s:{report.id}:{STATUSES.index(s)}"),) for s in moves]
    return Reply("\n".join(lines), tuple(rows))


async def on_photos(update: Update, context: Context) -> None:
    """The evidence photos: by Telegram file_id, or from disk if Telegram no longer has them."""
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    svc = services(context)
    report = await svc.store.reports.find_by_id(int(query.data.split(":")[2]))
    allowed = await _enforcer(update, context, report.brand if report else None)
    if allowed is None or report is None:
        return
    await query.answer()
    for photo in await svc.store.reports.evidence(report.id):
        caption = f"{report.reference} · sha256 {photo.sha256[:16]}…"
        try:
            await query.message.reply_photo(photo.file_id, caption=caption)  # type: ignore[union-attr]
        except TelegramError:
            path = path_for(svc.settings.data_dir, photo.sha256, photo.mime)
            if path.exists():
                await query.message.reply_photo(path.read_bytes(), caption=caption)  # type: ignore[union-attr]
    await svc.store.roles.audit(allowed.user_id, "view evidence", report.reference, None)


async def on_move(update: Update, context: Context) -> int:
    """A status button: checked now, then the enforcer is asked for a note for the shopper."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, _, report_id, index = query.data.split(":")
    report = await services(context).store.reports.find_by_id(int(report_id))
    allowed = await _enforcer(update, context, report.brand if report else None)
    if allowed is None or report is None or int(index) >= len(STATUSES):
        return ConversationHandler.END
    await query.answer()
    lang = user_lang(update, context)
    wanted = STATUSES[int(index)]
    if wanted not in TRANSITIONS[Status(report.status)]:
        await send(query.message, Reply(say("status_refused", lang, problem=str(InvalidTransition(Status(report.status), wanted)))))  # type: ignore[arg-type]
        return ConversationHandler.END
    if context.user_data is not None:
        context.user_data["pending_status"] = [report.reference, wanted.value]
    await send(query.message, Reply(say("ask_note", lang, ref=report.reference, status=say(f"status_{wanted.value}", lang))))  # type: ignore[arg-type]
    return NOTE


async def on_note(update: Update, context: Context) -> int:
    message = update.effective_message
    assert message is not None
    pending = context.user_data.pop("pending_status", None) if context.user_data is not None else None
    if not pending:
        return ConversationHandler.END
    ref, wanted = pending
    lang = user_lang(update, context)
    svc = services(context)
    report = await svc.store.reports.find(ref)
    allowed = await _enforcer(update, context, report.brand if report else None)  # the role may have changed meanwhile
    if allowed is None or report is None:
        return ConversationHandler.END
    note = None if (message.text or "").startswith("/skip") else message.text
    try:
        note = clean_text(note, "note", required=False) if note else None
        await svc.store.reports.change_status(ref, wanted, changed_by=allowed.user_id, note=note)
    except (ValueError, LookupError) as problem:
        await send(message, Reply(say("status_refused", lang, problem=getattr(problem, "key", str(problem)))))
        return ConversationHandler.END
    if context.job_queue is not None:  # tell the shopper now rather than at the next round
        context.job_queue.run_once(deliver_notifications, 0)
    await send(message, Reply(say("status_done", lang, ref=ref, status=say(f"status_{wanted}", lang))))
    return ConversationHandler.END


async def on_cancel_note(update: Update, context: Context) -> int:
    if context.user_data is not None:
        context.user_data.pop("pending_status", None)
    await send(update.effective_message, Reply(say("note_cancelled", user_lang(update, context))))  # type: ignore[arg-type]
    return ConversationHandler.END


# --- exports, sellers, evidence ----------------------------------------------------------------


def parse_filters(args: list[str], allowed: Permissions) -> tuple[ReportFilter, str | None]:
    """``brand=… status=… since=… until=…`` (bare words: a status or a brand)."""
    values: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            key, value = ("status", arg) if arg.lower() in Status._value2member_map_ else ("brand", arg)
        if key not in ("brand", "status", "since", "until"):
            raise ValueError(f"unknown filter {key!r}")
        values[key] = value.strip().lower()
    brand = values.get("brand")
    where = ReportFilter(
        brands=_scope(allowed, brand),
        status=Status(values["status"]).value if "status" in values else None,
        since=dt.date.fromisoformat(values["since"]) if "since" in values else None,
        until=dt.date.fromisoformat(values["until"]) if "until" in values else None,
    )
    return where, brand


async def export_reports(update: Update, context: Context) -> None:
    """/export [filters]: a CSV (Excel-safe) and a JSONL file of the reports the user may see."""
    lang = user_lang(update, context)
    allowed = await _enforcer(update, context, any_brand=True)
    if allowed is None:
        return
    try:
        where, brand = parse_filters(command_args(context), allowed)
    except ValueError as problem:
        await send(update.effective_message, Reply(say("bad_filter", lang, problem=str(problem)) + "\n" + say("export_usage", lang)))  # type: ignore[arg-type]
        return
    if brand and not allowed.can_enforce(brand):
        await refuse(update, context)
        return
    svc = services(context)
    message = update.effective_message
    assert message is not None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory() as tmp:
        files = {fmt: Path(tmp) / f"reports-{stamp}.{fmt}" for fmt in ("csv", "jsonl")}
        counts = [await asyncio.to_thread(export, svc.settings.database, where, fmt, path) for fmt, path in files.items()]
        await svc.store.roles.audit(allowed.user_id, "export", brand, _describe(where))
        if any(p.stat().st_size > TELEGRAM_UPLOAD_LIMIT for p in files.values()):
            await send(message, Reply(say("export_too_big", lang)))
            return
        await send(message, Reply(say("export_done", lang, n=counts[0])))
        for path in files.values():
            await message.reply_document(path.read_bytes(), filename=path.name)


def _describe(where: ReportFilter) -> str:
    fields = dataclasses.asdict(where)
    fields["brands"] = sorted(where.brands) if where.brands is not None else "all"
    return " ".join(f"{k}={v}" for k, v in fields.items() if v)


async def sellers(update: Update, context: Context) -> None:
    """/sellers [brand]: shops and live rooms by how many different shoppers reported them."""
    lang = user_lang(update, context)
    args = command_args(context)
    brand = args[0].lower() if args else None
    allowed = await _enforcer(update, context, brand, any_brand=brand is None)
    if allowed is None:
        return
    svc = services(context)
    ranked = rank_sellers(await svc.store.reports.seller_mentions(_scope(allowed, brand)))
    await svc.store.roles.audit(allowed.user_id, "list sellers", brand, None)
    if not ranked:
        await send(update.effective_message, Reply(say("sellers_none", lang)))  # type: ignore[arg-type]
        return
    lines = [say("sellers_header", lang)] + [
        say("seller_line", lang, rank=i, name=s.name, platform=say(f"platform_{s.platform}", lang), shoppers=len(s.shoppers), reports=s.reports)
        for i, s in enumerate(ranked[:20], start=1)
    ]
    await send(update.effective_message, Reply("\n".join(lines)))  # type: ignore[arg-type]


async def evidence(update: Update, context: Context) -> None:
    """/evidence REFERENCE: the report, its history and photos, with a SHA-256 manifest, as a zip."""
    lang = user_lang(update, context)
    args = command_args(context)
    allowed = await _enforcer(update, context, any_brand=True)
    if allowed is None:
        return
    if not args:
        await send(update.effective_message, Reply(say("evidence_usage", lang)))  # type: ignore[arg-type]
        return
    svc = services(context)
    report = await svc.store.reports.find(args[0])
    if report is None or not allowed.can_enforce(report.brand):
        if report is not None:
            await refuse(update, context)
        else:
            await send(update.effective_message, Reply(say("no_report", lang, ref=args[0])))  # type: ignore[arg-type]
        return
    message = update.effective_message
    assert message is not None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{report.reference}-evidence.zip"
        await asyncio.to_thread(build_pack, svc.settings.data_dir, await svc.store.reports.case_file(report), out)
        await svc.store.roles.audit(allowed.user_id, "evidence pack", report.reference, None)
        await message.reply_document(out.read_bytes(), filename=out.name, caption=say("evidence_caption", lang, ref=report.reference), parse_mode=ParseMode.HTML)
