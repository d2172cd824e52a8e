"""Enforcement teams: review reports, move them through their status, export them, find repeat
offenders, pack evidence. Each handler parses the command or button, calls the enforcement,
export or evidence service (which check the role and brand scope, and audit), and sends what
the presenter built."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import warnings
from pathlib import Path

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from .. import presenter
from ..callbacks import MoveReport, OpenReport, ReportPhotos, ReportsPage, matches
from ..core.reports import FieldError, InvalidTransition, Status
from ..core.services import Privilege
from ..core.services.exports import FORMATS
from ..core.store.reports import ReportFilter
from ..presenter import Reply
from ..texts import say
from .common import (
    Context,
    Handler,
    actor,
    command_args,
    edit,
    polite,
    pressed,
    send,
    services,
    user_lang,
)
from .reports import deliver_notifications

NOTE = 0
TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024
PENDING = "pending_status"


def handlers() -> list[Handler]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")  # one note per enforcer, as intended
        note = ConversationHandler(
            entry_points=[CallbackQueryHandler(on_move, pattern=matches(MoveReport))],
            states={NOTE: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_note), CommandHandler("skip", on_note)]},
            fallbacks=[CommandHandler("cancel", on_cancel_note)],
            conversation_timeout=600,
        )
    return [
        CommandHandler("reports", list_reports),
        CallbackQueryHandler(on_page, pattern=matches(ReportsPage)),
        CallbackQueryHandler(on_open, pattern=matches(OpenReport)),
        CallbackQueryHandler(on_photos, pattern=matches(ReportPhotos)),
        note,
        CommandHandler("export", export_reports),
        CommandHandler("sellers", sellers),
        CommandHandler("evidence", evidence),
    ]


# --- reviewing ---------------------------------------------------------------------------------


@polite
async def list_reports(update: Update, context: Context) -> None:
    """/reports [status] [brand]: newest first, paged, each report a button."""
    status, brand = None, None
    for arg in command_args(context):
        if arg.lower() in Status._value2member_map_:
            status = Status(arg.lower())
        else:
            brand = arg.lower()
    found = await services(context).enforcement.page(await actor(update, context), status, brand, 0)
    assert update.effective_message is not None
    await send(
        update.effective_message, presenter.report_page(services(context).library.catalog, found, user_lang(update, context))
    )


@polite
async def on_page(update: Update, context: Context) -> None:
    action = pressed(update)
    assert isinstance(action, ReportsPage) and update.callback_query is not None
    found = await services(context).enforcement.page(await actor(update, context), action.status, action.brand_id, action.page)
    await update.callback_query.answer()
    await edit(update, presenter.report_page(services(context).library.catalog, found, user_lang(update, context)))


@polite
async def on_open(update: Update, context: Context) -> None:
    """A report's card: every field, its history, its photos, and the moves its status allows."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, OpenReport) and query is not None and isinstance(query.message, Message)
    who = await actor(update, context)
    case = await services(context).enforcement.case(who, action.report_id)
    await query.answer()
    await send(
        query.message, presenter.report_card(services(context).library.catalog, case, who.user_id, user_lang(update, context))
    )


@polite
async def on_photos(update: Update, context: Context) -> None:
    """The evidence photos: by Telegram file_id, or from disk if Telegram no longer has them."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, ReportPhotos) and query is not None and isinstance(query.message, Message)
    report, photos = await services(context).enforcement.photos(await actor(update, context), action.report_id)
    await query.answer()
    for evidence in photos:
        caption = f"{report.reference} · sha256 {evidence.photo.sha256[:16]}…"
        try:
            await query.message.reply_photo(evidence.photo.file_id, caption=caption)
        except TelegramError:
            if evidence.on_disk is not None:
                await query.message.reply_photo(evidence.on_disk.read_bytes(), caption=caption)


@polite
async def on_move(update: Update, context: Context) -> int:
    """A status button: checked now, then the enforcer is asked for a note for the shopper."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, MoveReport) and query is not None and isinstance(query.message, Message)
    lang = user_lang(update, context)
    try:
        report = await services(context).enforcement.check_move(await actor(update, context), action.report_id, action.status)
    except InvalidTransition as refused:
        await query.answer()
        await send(query.message, Reply(say("status_refused", lang, problem=str(refused))))
        return ConversationHandler.END
    await query.answer()
    if context.user_data is not None:
        context.user_data[PENDING] = [report.reference, action.status.value]
    await send(
        query.message, Reply(say("ask_note", lang, ref=report.reference, status=say(f"status_{action.status.value}", lang)))
    )
    return NOTE


@polite
async def on_note(update: Update, context: Context) -> int:
    """The note (or /skip): the status changes now, if the role still allows it."""
    message = update.effective_message
    assert message is not None
    pending = context.user_data.pop(PENDING, None) if context.user_data is not None else None
    if not pending:
        return ConversationHandler.END
    reference, wanted = pending
    lang = user_lang(update, context)
    note = None if (message.text or "").startswith("/skip") else message.text
    try:
        await services(context).enforcement.change_status(await actor(update, context), reference, Status(wanted), note)
    except FieldError as problem:
        await send(message, Reply(say("status_refused", lang, problem=say(problem.key, lang, **problem.values))))
        return ConversationHandler.END
    except InvalidTransition as problem:
        await send(message, Reply(say("status_refused", lang, problem=str(problem))))
        return ConversationHandler.END
    if context.job_queue is not None:  # tell the shopper now rather than at the next round
        context.job_queue.run_once(deliver_notifications, 0)
    await send(message, Reply(say("status_done", lang, ref=reference, status=say(f"status_{wanted}", lang))))
    return ConversationHandler.END


async def on_cancel_note(update: Update, context: Context) -> int:
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)
    assert update.effective_message is not None
    await send(update.effective_message, Reply(say("note_cancelled", user_lang(update, context))))
    return ConversationHandler.END


# --- exports, sellers, evidence ----------------------------------------------------------------


def parse_filters(args: list[str]) -> ReportFilter:
    """``brand=… status=… since=… until=…`` (bare words: a status or a brand); ValueError if unreadable."""
    values: dict[str, str] = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep:
            key, value = ("status", arg) if arg.lower() in Status._value2member_map_ else ("brand", arg)
        if key not in ("brand", "status", "since", "until"):
            raise ValueError(f"unknown filter {key!r}")
        values[key] = value.strip().lower()
    return ReportFilter(
        brands=frozenset({values["brand"]}) if "brand" in values else None,
        status=Status(values["status"]).value if "status" in values else None,
        since=dt.date.fromisoformat(values["since"]) if "since" in values else None,
        until=dt.date.fromisoformat(values["until"]) if "until" in values else None,
    )


@polite
async def export_reports(update: Update, context: Context) -> None:
    """/export [filters]: a CSV (Excel-safe) and a JSONL file of the reports the user may see."""
    message, lang = update.effective_message, user_lang(update, context)
    assert message is not None
    who = await actor(update, context)
    try:
        wanted = parse_filters(command_args(context))
    except ValueError as problem:
        who.require(Privilege.ENFORCE)  # a refusal before any hint about the filters
        await send(message, Reply(say("bad_filter", lang, problem=str(problem)) + "\n" + say("export_usage", lang)))
        return
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory() as tmp:
        files = {fmt: Path(tmp) / f"reports-{stamp}.{fmt}" for fmt in FORMATS}
        summary = await services(context).exports.export(who, wanted, files)
        if any(p.stat().st_size > TELEGRAM_UPLOAD_LIMIT for p in files.values()):
            await send(message, Reply(say("export_too_big", lang)))
            return
        await send(message, presenter.export_summary(summary, lang))
        for path in files.values():
            await message.reply_document(path.read_bytes(), filename=path.name)


@polite
async def sellers(update: Update, context: Context) -> None:
    """/sellers [brand]: shops and live rooms by how many different shoppers reported them."""
    args = command_args(context)
    ranked = await services(context).enforcement.sellers(await actor(update, context), args[0].lower() if args else None)
    assert update.effective_message is not None
    await send(update.effective_message, presenter.sellers(ranked, user_lang(update, context)))


@polite
async def evidence(update: Update, context: Context) -> None:
    """/evidence REFERENCE: the report, its history and photos, with a SHA-256 manifest, as a zip."""
    message, args, lang = update.effective_message, command_args(context), user_lang(update, context)
    assert message is not None
    who = await actor(update, context)
    if not args:
        who.require(Privilege.ENFORCE)
        await send(message, Reply(say("evidence_usage", lang)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        pack = await services(context).evidence.pack(who, args[0], Path(tmp))
        await message.reply_document(
            pack.path.read_bytes(),
            filename=pack.path.name,
            caption=presenter.evidence_caption(pack, lang),
            parse_mode=ParseMode.HTML,
        )
