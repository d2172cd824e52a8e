"""Shoppers reporting a suspected fake: a guided conversation, one question at a time.

Started by /report or the "举报疑似假货" button under an answer (brand and tip filled in).
The draft lives in ``user_data`` (persisted in SQLite with the conversation state), so a report
half written survives a restart; abandoned reports time out after 30 minutes. The shopper gets
a reference number only after the report is committed. Status changes reach the shopper through
the notification outbox, delivered by :func:`deliver_notifications`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from .. import presenter
from ..callbacks import (
    CancelReport,
    PhotosDone,
    ReportBrand,
    ReportChoice,
    StartReport,
    SubmitReport,
    decode,
    matches,
)
from ..core.reports import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    Draft,
    FieldError,
    OfficialCheck,
    Platform,
    clean_text,
    parse_date,
    parse_link,
    parse_order_number,
    parse_price,
)
from ..core.services.reports import IncompleteReport
from ..core.store.conversations import ConversationEnd
from ..core.store.reports import TooManyReports
from ..persistence import SqlitePersistence
from ..presenter import Button, Reply
from ..texts import Lang, say
from .common import Context, Handler, as_lang, pressed, send, services, user_lang

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30 * 60
DRAFT = "report"
CONVERSATION = "report"
BRAND_BUTTONS = 24

# Conversation states, in the order the questions are asked.
(BRAND, BRAND_OTHER, PRODUCT, PLATFORM, SHOP, LINK, ORDER, PRICE, DATE, PROBLEM, CHECK, PHOTOS, CONSENT, CONFIRM) = range(14)


@dataclass(frozen=True)
class TextStep:
    """A question answered by typing: how to read the answer, and whether /skip is allowed."""

    prompt: str
    read: Callable[[str, Draft], None]
    optional: bool = False


def _set(field: str, parse: Callable[[str], object]) -> Callable[[str, Draft], None]:
    def read(text: str, draft: Draft) -> None:
        setattr(draft, field, parse(text))

    return read


def _read_link(text: str, draft: Draft) -> None:
    draft.link, draft.share_code = parse_link(text)


TEXT_STEPS: dict[int, TextStep] = {
    BRAND_OTHER: TextStep("ask_brand_other", _set("brand_other", lambda t: clean_text(t, "brand_other"))),
    PRODUCT: TextStep("ask_product", _set("product", lambda t: clean_text(t, "product"))),
    SHOP: TextStep("ask_shop", _set("shop", lambda t: clean_text(t, "shop"))),
    LINK: TextStep("ask_link", _read_link, optional=True),
    ORDER: TextStep("ask_order", _set("order_number", parse_order_number), optional=True),
    PRICE: TextStep("ask_price", _set("price_cents", parse_price), optional=True),
    DATE: TextStep("ask_date", _set("purchase_date", parse_date), optional=True),
    PROBLEM: TextStep("ask_problem", _set("problem", lambda t: clean_text(t, "problem"))),
}
NEXT = {
    BRAND: PRODUCT,
    BRAND_OTHER: PRODUCT,
    PRODUCT: PLATFORM,
    PLATFORM: SHOP,
    SHOP: LINK,
    LINK: ORDER,
    ORDER: PRICE,
    PRICE: DATE,
    DATE: PROBLEM,
    PROBLEM: CHECK,
    CHECK: PHOTOS,
    PHOTOS: CONSENT,
    CONSENT: CONFIRM,
}


def handlers() -> list[Handler]:
    text = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[Handler]] = {
        state: [MessageHandler(text, _answer_for(state)), CommandHandler("skip", _skip_for(state))] for state in TEXT_STEPS
    }
    states[BRAND] = [CallbackQueryHandler(on_brand, pattern=matches(ReportBrand)), MessageHandler(text, on_brand_typed)]
    states[PLATFORM] = [CallbackQueryHandler(on_choice, pattern=_choice("platform"))]
    states[CHECK] = [CallbackQueryHandler(on_choice, pattern=_choice("check"))]
    states[PHOTOS] = [
        MessageHandler(filters.PHOTO | filters.Document.IMAGE, on_photo),
        CommandHandler(["done", "skip"], on_photos_done),
        CallbackQueryHandler(on_photos_done, pattern=matches(PhotosDone)),
        MessageHandler(filters.ALL & ~filters.COMMAND, on_not_photo),
    ]
    states[CONSENT] = [CallbackQueryHandler(on_choice, pattern=_choice("consent"))]
    states[CONFIRM] = [CallbackQueryHandler(on_submit, pattern=matches(SubmitReport))]
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, on_timeout)]
    with warnings.catch_warnings():
        # We want one conversation per chat and user, buttons included: exactly what the
        # per_message=False warning describes.
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        conversation = _conversation(states)
    return [
        conversation,
        CommandHandler("myreports", my_reports),
        CallbackQueryHandler(on_submit_outside, pattern=matches(SubmitReport)),
    ]


def _choice(step: str) -> Callable[[object], bool]:
    """A pattern for the buttons answering ``step`` (platform, check or consent)."""
    return lambda data: isinstance(action := decode(data), ReportChoice) and action.field == step


def _conversation(states: dict[object, list[Handler]]) -> ConversationHandler[Context]:
    return ConversationHandler(
        entry_points=[CommandHandler("report", start_report), CallbackQueryHandler(start_report, pattern=matches(StartReport))],
        states=states,
        fallbacks=[
            CommandHandler("cancel", on_cancel),
            CallbackQueryHandler(on_cancel, pattern=matches(CancelReport)),
            MessageHandler(filters.COMMAND, on_other_command),
            CallbackQueryHandler(on_stale_button, pattern=matches(ReportBrand, ReportChoice, PhotosDone, SubmitReport)),
        ],
        conversation_timeout=TIMEOUT_SECONDS,
        name=CONVERSATION,
        persistent=True,
        allow_reentry=True,
    )


# --- the draft ---------------------------------------------------------------------------------


def _draft(context: Context) -> Draft:
    data = context.user_data.get(DRAFT) if context.user_data is not None else None
    return Draft.from_json(data) if data else Draft()


def _save(context: Context, draft: Draft) -> None:
    draft.updated_at = time.time()
    if context.user_data is not None:
        context.user_data[DRAFT] = draft.to_json()


def _drop(context: Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _expired(context: Context) -> bool:
    return _too_old(_draft(context))


def _too_old(draft: Draft) -> bool:
    """A draft restored after a restart may be older than the timeout the restart forgot."""
    return bool(draft.updated_at) and time.time() - draft.updated_at > TIMEOUT_SECONDS


async def _reply(update: Update, reply: Reply) -> Message | None:
    message = update.effective_message
    if message is None:
        return None
    return await send(message, reply)


def _lang(context: Context, update: Update) -> Lang:
    return as_lang(_draft(context).lang) if context.user_data and DRAFT in context.user_data else user_lang(update, context)


# --- asking ------------------------------------------------------------------------------------


async def _ask(update: Update, context: Context, state: int, note: str | None = None) -> int:
    """Send the question for ``state`` (after ``note``, if any) and return it as the new state."""
    question = _question(context, state)
    if note:
        question = Reply(f"{note}\n\n{question.html}", question.buttons)
    await _keep(update, context, state)
    await _reply(update, question)
    return state


async def _keep(update: Update, context: Context, state: int) -> None:
    """Commit the step and the draft before the shopper sees what comes next (:meth:`keep_step`):
    once they can answer, a bot killed and restarted, or a standby taking over, knows where they are."""
    persistence, user, chat = context.application.persistence, update.effective_user, update.effective_chat
    if isinstance(persistence, SqlitePersistence) and user is not None and chat is not None and context.user_data is not None:
        await persistence.keep_step(CONVERSATION, (chat.id, user.id), state, user.id, dict(context.user_data))


def _question(context: Context, state: int) -> Reply:
    draft = _draft(context)
    lang = as_lang(draft.lang)
    if state in TEXT_STEPS:
        return Reply(say(TEXT_STEPS[state].prompt, lang))
    if state == BRAND:
        return _brand_question(context, lang)
    if state == PLATFORM:
        return _choices("ask_platform", "platform", [p.value for p in Platform], lang)
    if state == CHECK:
        return _choices("ask_check", "check", [c.value for c in OfficialCheck], lang)
    if state == PHOTOS:
        return Reply(say("ask_photos", lang, max=MAX_PHOTOS), ((Button(say("photos_done", lang), PhotosDone()),),))
    if state == CONSENT:
        return Reply(
            say("ask_consent", lang),
            ((Button(say("yes", lang), ReportChoice("consent", "yes")), Button(say("no", lang), ReportChoice("consent", "no"))),),
        )
    return presenter.report_summary(services(context).library.catalog, draft, lang)


def _choices(prompt: str, field: str, values: list[str], lang: Lang) -> Reply:
    rows = tuple((Button(say(f"{field}_{v}", lang), ReportChoice(field, v)),) for v in values)
    return Reply(say(prompt, lang), rows)


def _brand_question(context: Context, lang: Lang) -> Reply:
    brands = services(context).library.catalog.brands[:BRAND_BUTTONS]
    rows = [tuple(Button(b.name, ReportBrand(b.id)) for b in brands[i : i + 2]) for i in range(0, len(brands), 2)]
    rows.append((Button(say("brand_other", lang), ReportBrand(None)),))
    return Reply(say("ask_brand", lang), tuple(rows))


# --- the steps ---------------------------------------------------------------------------------


async def start_report(update: Update, context: Context) -> int:
    """/report, or the button under an answer (brand and tip known)."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    svc = services(context)
    lang = user_lang(update, context)
    user = update.effective_user
    if user is None:
        return ConversationHandler.END
    try:
        await svc.reports.check_limit(user.id)
    except TooManyReports as refused:
        await _reply(update, _too_many(refused, lang))
        return ConversationHandler.END
    draft = Draft(lang=lang, submission_key=secrets.token_hex(8))
    action = pressed(update)
    found = svc.library.catalog.by_ref(action.ref) if isinstance(action, StartReport) else None
    if found:
        draft.brand, draft.failed_tip = found[0].id, found[1].id
    _save(context, draft)
    await _reply(update, Reply(say("report_start", lang)))
    return await _ask(update, context, PRODUCT if found else BRAND)


async def on_brand(update: Update, context: Context) -> int:
    action, query = pressed(update), update.callback_query
    assert isinstance(action, ReportBrand) and query is not None
    await query.answer()
    if _expired(context):
        return await on_timeout(update, context)
    draft = _draft(context)
    if action.brand_id is None:
        return await _ask(update, context, BRAND_OTHER)
    if services(context).library.catalog.brand(action.brand_id) is None:
        return await _ask(update, context, BRAND)
    draft.brand = action.brand_id
    _save(context, draft)
    return await _ask(update, context, PRODUCT)


async def on_brand_typed(update: Update, context: Context) -> int:
    """A brand typed instead of tapped: a partner if the matcher recognises it, else 'other'."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if _expired(context):
        return await on_timeout(update, context)
    draft = _draft(context)
    named = services(context).library.catalog.matcher.named_brands(message.text)
    if len(named) == 1:
        draft.brand = named[0]
    else:
        try:
            draft.brand_other = clean_text(message.text, "brand_other")
        except FieldError as problem:
            await _reply(update, Reply(say(problem.key, as_lang(draft.lang), **problem.values)))
            return BRAND
    _save(context, draft)
    return await _ask(update, context, PRODUCT)


def _answer_for(state: int) -> Callable[[Update, Context], Coroutine[Any, Any, int | None]]:
    async def on_answer(update: Update, context: Context) -> int | None:
        return await on_text(update, context, state)

    return on_answer


def _skip_for(state: int) -> Callable[[Update, Context], Coroutine[Any, Any, int | None]]:
    async def on_skip_here(update: Update, context: Context) -> int | None:
        return await on_skip(update, context, state)

    return on_skip_here


async def on_text(update: Update, context: Context, state: int) -> int | None:
    """An answer typed for the current question: checked, kept, and the next question asked."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if _expired(context):
        return await on_timeout(update, context)
    step = TEXT_STEPS[state]
    draft = _draft(context)
    try:
        step.read(message.text, draft)
    except FieldError as problem:
        await _reply(update, Reply(say(problem.key, as_lang(draft.lang), **problem.values)))
        return None  # stay: the same question again
    _save(context, draft)
    tip = _failed_tip_title(context, draft) if state == PROBLEM else None
    note = say("failed_tip_noted", as_lang(draft.lang), tip=tip) if tip else None
    return await _ask(update, context, NEXT[state], note)


def _failed_tip_title(context: Context, draft: Draft) -> str | None:
    brand = services(context).library.catalog.brand(draft.brand or "")
    tip = brand.tip(draft.failed_tip) if brand and draft.failed_tip else None
    return tip.title if tip else None


async def on_skip(update: Update, context: Context, state: int) -> int | None:
    if _expired(context):
        return await on_timeout(update, context)
    if not TEXT_STEPS[state].optional:
        await _reply(update, Reply(say("not_skippable", _lang(context, update))))
        return None
    return await _ask(update, context, NEXT[state])


async def on_choice(update: Update, context: Context) -> int | None:
    """A button for platform, official check or consent."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, ReportChoice) and query is not None
    await query.answer()
    if _expired(context):
        return await on_timeout(update, context)
    draft = _draft(context)
    if action.field == "platform":
        draft.platform, state = action.value, PLATFORM
    elif action.field == "check":
        draft.official_check, state = action.value, CHECK
    else:
        draft.consent, state = action.value == "yes", CONSENT
    _save(context, draft)
    return await _ask(update, context, NEXT[state])


async def on_photo(update: Update, context: Context) -> int | None:
    """Each photo is downloaded at once and stored under its SHA-256, with Telegram's file_id."""
    message = update.effective_message
    assert message is not None
    if _expired(context):
        return await on_timeout(update, context)
    draft = _draft(context)
    lang = as_lang(draft.lang)
    if len(draft.photos) >= MAX_PHOTOS:
        await _reply(
            update, Reply(say("photos_full", lang, max=MAX_PHOTOS), ((Button(say("photos_done", lang), PhotosDone()),),))
        )
        return None
    media = message.photo[-1] if message.photo else message.document
    assert media is not None
    if (media.file_size or 0) > MAX_PHOTO_BYTES:
        await _reply(update, Reply(say("photo_too_big", lang)))
        return None
    data = bytes(await (await media.get_file()).download_as_bytearray())
    mime = getattr(media, "mime_type", None) or "image/jpeg"
    draft.photos.append(await services(context).reports.keep_photo(data, mime, media.file_id, media.file_unique_id))
    _save(context, draft)
    await _keep(update, context, PHOTOS)
    await _reply(
        update,
        Reply(
            say("photo_received", lang, n=len(draft.photos), left=MAX_PHOTOS - len(draft.photos)),
            ((Button(say("photos_done", lang), PhotosDone()),),),
        ),
    )
    return None


async def on_photos_done(update: Update, context: Context) -> int:
    if update.callback_query is not None:
        await update.callback_query.answer()
    if _expired(context):
        return await on_timeout(update, context)
    return await _ask(update, context, CONSENT)


async def on_not_photo(update: Update, context: Context) -> None:
    await _reply(update, Reply(say("photo_expected", _lang(context, update))))


async def on_submit(update: Update, context: Context) -> int:
    """Commit, then — and only then — give the shopper the reference number.

    The report, the end of its draft and of this conversation, and the message announcing its
    reference (in the outbox) are one transaction. The reply is that message, delivered from the
    outbox; if the bot dies before sending it, it is sent after the restart (at least once), and
    pressing Submit again on the same draft answers with the same reference, storing nothing.
    """
    query, action = update.callback_query, pressed(update)
    assert query is not None and query.from_user is not None and isinstance(query.message, Message)
    assert isinstance(action, SubmitReport)
    await query.answer()
    draft = _draft(context)
    if action.submission_key != draft.submission_key or _too_old(draft):
        # An earlier summary's button, or a draft too old: if the button's draft is stored, its
        # reference. The usual press skips this read: the report's transaction finds a draft
        # submitted before by its key, and answers with the same reference.
        if action.submission_key and await _answer_if_submitted(update, context, action.submission_key):
            return ConversationHandler.END
        if _too_old(draft):
            return await on_timeout(update, context)
    lang = as_lang(draft.lang)
    user_id, chat_id = query.from_user.id, query.message.chat.id
    left = {k: v for k, v in (context.user_data or {}).items() if k != DRAFT}
    ending = ConversationEnd(CONVERSATION, (chat_id, user_id), user_id, left)
    try:
        result = await services(context).reports.submit(user_id, chat_id, draft, ending)
    except IncompleteReport:
        await _reply(update, Reply(say("missing_answers", lang)))
        _drop(context)
        return ConversationHandler.END
    except TooManyReports as refused:
        await _reply(update, _too_many(refused, lang))
        _drop(context)
        return ConversationHandler.END
    except Exception:
        log.exception("saving a report failed")
        await _reply(update, Reply(say("save_failed", lang)))
        return CONFIRM  # the draft stays: the shopper can press Submit again
    if isinstance(persistence := context.application.persistence, SqlitePersistence):
        persistence.forget(user_id)  # the transaction wrote the user's row
    await _after_commit(context)
    await query.edit_message_reply_markup(None)
    if result.duplicate or result.again:
        await _reply(update, Reply(say("duplicate" if result.duplicate else "already_submitted", lang, ref=result.reference)))
    else:
        await announce(context)
    return _end_draft(context, user_id)


async def _after_commit(context: Context) -> None:
    """Between the report's commit and its announcement: where a test stops the bot."""


def _end_draft(context: Context, user_id: int) -> int:
    """Forget the draft in memory and end the conversation, with no await in between: the
    persistence job never sees the one without the other (the database already has both)."""
    _drop(context)
    context.application.mark_data_for_update_persistence(user_ids=user_id)
    return ConversationHandler.END


async def _answer_if_submitted(update: Update, context: Context, submission_key: str) -> bool:
    """If the draft behind this Submit button is stored already, say its reference (and end)."""
    ref = await services(context).reports.submitted_under(submission_key)
    if ref is None:
        return False
    lang = _lang(context, update)
    if update.callback_query is not None:
        await update.callback_query.edit_message_reply_markup(None)
    await _reply(update, Reply(say("already_submitted", lang, ref=ref)))
    if update.effective_user is not None:
        _end_draft(context, update.effective_user.id)
    return True


async def on_submit_outside(update: Update, context: Context) -> None:
    """Submit pressed outside a report conversation (it ended with the report's commit, and the
    bot restarted before it said so): the reference, if that draft was stored."""
    action, query = pressed(update), update.callback_query
    assert isinstance(action, SubmitReport) and query is not None
    if action.submission_key:
        await query.answer()
        if await _answer_if_submitted(update, context, action.submission_key):
            return
    await query.answer(presenter.button_gone(None, user_lang(update, context)).plain(), show_alert=True)


def _too_many(refused: TooManyReports, lang: Lang) -> Reply:
    return Reply(say("too_many_reports", lang, limit=refused.limit))


async def on_cancel(update: Update, context: Context) -> int:
    if update.callback_query is not None:
        await update.callback_query.answer()
    lang = _lang(context, update)
    _drop(context)
    await _reply(update, Reply(say("cancelled", lang)))
    return ConversationHandler.END


async def on_timeout(update: Update, context: Context) -> int:
    lang = _lang(context, update)
    _drop(context)
    await _reply(update, Reply(say("timed_out", lang)))
    return ConversationHandler.END


async def on_other_command(update: Update, context: Context) -> None:
    await _reply(update, Reply(say("in_report", _lang(context, update))))


async def on_stale_button(update: Update, context: Context) -> None:
    """A report button from an earlier step: it no longer applies."""
    if update.callback_query is not None:
        await update.callback_query.answer(say("in_report", _lang(context, update)), show_alert=True)


# --- progress ----------------------------------------------------------------------------------


async def my_reports(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None:
        return
    reports = await services(context).reports.mine(user.id)
    await _reply(update, presenter.my_reports(services(context).library.catalog, reports, user_lang(update, context)))


async def announce(context: Context) -> None:
    """Deliver the outbox now (a report just committed), not at the job's next run."""
    await deliver_notifications(context)


_DELIVERING = "outbox_lock"


async def deliver_notifications(context: Context) -> None:
    """Send queued messages — references of new reports, status changes — to the shoppers who
    reported (a repeating job, and right after a report's commit; at least once). One delivery
    at a time, so the job and a submit never send the same message twice."""
    lock = context.bot_data.setdefault(_DELIVERING, asyncio.Lock())
    async with lock:
        await _deliver(context)


async def _deliver(context: Context) -> None:
    outbox = services(context).store.outbox
    for note in await outbox.pending():
        try:
            await context.bot.send_message(note.chat_id, presenter.status_news(note).html, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.warning("could not notify chat %s about %s: %s", note.chat_id, note.reference, exc)
            await outbox.mark_failed(note.id)
        else:
            await outbox.mark_sent(note.id)
