"""Brand staff: publish their brand's tip file through the bot, and teach it shoppers' wording.

A ``.yaml`` document from staff is validated with the core validator and either installed
atomically and served at once (hot reload, no restart, no moment without answers) or refused
with every error and nothing changed. Every installed version is kept in SQLite.
"""

from __future__ import annotations

import asyncio
import html
import time
from pathlib import Path

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from ..core.guides import MAX_FILE_BYTES, Brand, GuideInvalid, parse_guide
from ..core.library import tip_ref
from ..core.phrasings import group_similar
from ..core.publishing import Changes, add_question, changes, install
from ..presenter import Button, Reply
from ..texts import Lang, say
from .common import Context, command_args, keyboard, permissions, refuse, send, services, user_lang
from .shoppers import not_text

MAX_SHOWN_PHRASINGS = 10


def handlers() -> list[BaseHandler]:
    return [
        MessageHandler(filters.Document.ALL, on_document),
        CommandHandler("guide", send_guide),
        CommandHandler("history", history),
        CommandHandler("rollback", rollback),
        CommandHandler("unanswered", unanswered),
        CallbackQueryHandler(on_phrasing, pattern=r"^ua:"),
    ]


# --- publishing --------------------------------------------------------------------------------


async def on_document(update: Update, context: Context) -> None:
    """A document: a tip file from staff; from anyone else, the polite shopper reply."""
    message = update.effective_message
    assert message is not None and message.document is not None
    allowed = await permissions(update, context)
    if not allowed.is_staff:
        await not_text(update, context)
        return
    lang = user_lang(update, context)
    document = message.document
    name = Path(document.file_name or "upload.yaml").name
    if not name.lower().endswith((".yaml", ".yml")):
        await send(message, Reply(say("upload_not_yaml", lang)))
        return
    if (document.file_size or 0) > MAX_FILE_BYTES:  # refused before a byte is downloaded
        await send(message, Reply(say("upload_too_big", lang, size=(document.file_size or 0) // 1024)))
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    await send(message, await publish(update, context, data, name, note="upload"))


async def publish(update: Update, context: Context, data: bytes, name: str, note: str) -> Reply:
    """Validate, check the sender may edit the brand, install, keep the version, serve it."""
    lang = user_lang(update, context)
    try:
        brand = parse_guide(data, name)  # checks the size again: the download may differ
    except GuideInvalid as invalid:
        lines = [say("upload_invalid", lang, n=len(invalid.errors))] + [f"• {html.escape(str(e))}" for e in invalid.errors[:30]]
        return Reply("\n".join(lines))
    allowed = await permissions(update, context)  # checked now, not when the upload began
    svc = services(context)
    current = svc.library.catalog.brand(brand.id)
    if current is None and not allowed.is_admin:
        return Reply(say("upload_new_brand_admin", lang, brand=brand.id))
    if not allowed.can_edit(brand.id):
        return Reply(say("upload_not_yours", lang, brand=brand.id))
    diff = changes(current, brand)
    if current is not None and diff.nothing:
        return Reply(say("upload_same", lang))
    await asyncio.to_thread(install, svc.settings.guides_dir, brand.id, data)
    version = await svc.store.guides.add_version(brand.id, data, allowed.user_id, note)
    await asyncio.to_thread(svc.library.publish, brand)  # builds the new index aside, then swaps
    return _published(brand, version, diff, lang)


def _published(brand: Brand, version: int, diff: Changes, lang: Lang) -> Reply:
    text = say(
        "published", lang, brand=brand.name, version=version,
        added=len(diff.added), added_ids=", ".join(diff.added) or "-",
        changed=len(diff.changed), changed_ids=", ".join(diff.changed) or "-",
        removed=len(diff.removed), removed_ids=", ".join(diff.removed) or "-",
    )
    if diff.brand_changed:
        text += "\n" + say("published_brand_fields", lang)
    return Reply(text)


async def send_guide(update: Update, context: Context) -> None:
    """/guide BRAND: the file in service, as a document."""
    brand_id = await _editable_brand(update, context, "guide_usage")
    if brand_id is None:
        return
    path = services(context).settings.guides_dir / f"{brand_id}.yaml"
    message = update.effective_message
    assert message is not None
    await message.reply_document(path.read_bytes(), filename=path.name)


async def history(update: Update, context: Context) -> None:
    """/history BRAND: the versions installed through the bot, newest first."""
    brand_id = await _editable_brand(update, context, "history_usage")
    if brand_id is None:
        return
    lang = user_lang(update, context)
    versions = await services(context).store.guides.versions(brand_id)
    if not versions:
        await _say(update, say("history_none", lang, brand=brand_id))
        return
    lines = [say("history", lang, brand=brand_id)]
    for v in versions:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(v.installed_at))
        lines.append(f"v{v.version} · {when} · {v.installed_by} · {v.size} B · {v.sha256[:12]} · {html.escape(v.note or '')}")
    await _say(update, "\n".join(lines))


async def rollback(update: Update, context: Context) -> None:
    """/rollback BRAND VERSION: serve that version's content again (recorded as a new version)."""
    lang = user_lang(update, context)
    args = command_args(context)
    brand_id = await _editable_brand(update, context, "rollback_usage")
    if brand_id is None:
        return
    if len(args) < 2 or not args[1].lstrip("v").isdigit():
        await _say(update, say("rollback_usage", lang))
        return
    old = int(args[1].lstrip("v"))
    content = await services(context).store.guides.content(brand_id, old)
    if content is None:
        await _say(update, say("no_version", lang, brand=brand_id, version=old))
        return
    reply = await publish(update, context, content, f"{brand_id}.yaml", note=f"rollback to v{old}")
    await send(update.effective_message, reply)  # type: ignore[arg-type]


async def _editable_brand(update: Update, context: Context, usage: str) -> str | None:
    """The BRAND argument if the user may edit it; otherwise a refusal (or the usage) and None."""
    args = command_args(context)
    allowed = await permissions(update, context)
    if not allowed.is_staff:
        await refuse(update, context)
        return None
    if not args:
        await _say(update, say(usage, user_lang(update, context)))
        return None
    brand_id = args[0].lower()
    if not allowed.can_edit(brand_id):
        await refuse(update, context)
        return None
    if services(context).library.catalog.brand(brand_id) is None:
        await _say(update, say("unknown_brand", user_lang(update, context), brand=brand_id))
        return None
    return brand_id


async def _say(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await send(update.effective_message, Reply(text))


# --- teaching the guide shoppers' wording ------------------------------------------------------


async def unanswered(update: Update, context: Context) -> None:
    """/unanswered BRAND: what shoppers asked without a good answer, grouped and ranked."""
    brand_id = await _editable_brand(update, context, "unanswered_usage")
    if brand_id is None:
        return
    lang = user_lang(update, context)
    clusters = group_similar(await services(context).store.answers.missed_phrasings(brand_id))
    if not clusters:
        await _say(update, say("unanswered_none", lang, brand=brand_id))
        return
    await _say(update, say("unanswered_header", lang, brand=brand_id))
    for cluster in clusters[:MAX_SHOWN_PHRASINGS]:
        buttons = ((Button(say("add_as_question", lang), f"ua:a:{brand_id}:{cluster.key}"), Button(say("dismiss", lang), f"ua:d:{brand_id}:{cluster.key}")),)
        await send(update.effective_message, Reply(say("unanswered_item", lang, count=cluster.count, question=cluster.question), buttons))  # type: ignore[arg-type]


async def on_phrasing(update: Update, context: Context) -> None:
    """ua:a:BRAND:KEY (pick a tip), ua:d:BRAND:KEY (dismiss), ua:t:KEY:TIPREF (add) — each re-checks the role."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    catalog = services(context).library.catalog
    if len(parts) != 4:
        await query.answer()
        return
    action = parts[1]
    if action == "t":
        found = catalog.by_ref(parts[3])
        brand_id, key = (found[0].id if found else ""), parts[2]
    else:
        brand_id, key = parts[2], parts[3]
    allowed = await permissions(update, context)
    if not allowed.can_edit(brand_id):
        await refuse(update, context)
        return
    lang = user_lang(update, context)
    svc = services(context)
    cluster = next((c for c in group_similar(await svc.store.answers.missed_phrasings(brand_id)) if key in c.keys), None)
    brand = svc.library.catalog.brand(brand_id)
    if cluster is None or brand is None:
        await query.answer(say("phrasing_gone", lang), show_alert=True)
        return
    await query.answer()
    if action == "d":
        await svc.store.answers.resolve_phrasings(cluster.keys, allowed.user_id, "dismiss phrasing", f"{brand_id}: {cluster.question}")
        await query.edit_message_text(f"{html.escape(cluster.question)}\n{say('phrasing_dismissed', lang)}", parse_mode=ParseMode.HTML)
    elif action == "a":
        rows = tuple((Button(t.title, f"ua:t:{key}:{tip_ref(brand_id, t.id)}"),) for t in brand.tips)
        await query.edit_message_text(say("pick_tip", lang, question=cluster.question), parse_mode=ParseMode.HTML, reply_markup=keyboard(Reply('', rows)))
    elif action == "t":
        tip = catalog.by_ref(parts[3])[1]  # type: ignore[index]  # brand_id came from it
        current = (svc.settings.guides_dir / f"{brand_id}.yaml").read_bytes()
        reply = await publish(update, context, add_question(current, tip.id, cluster.question), f"{brand_id}.yaml", note=f"phrasing → {tip.id}")
        await svc.store.answers.resolve_phrasings(cluster.keys, allowed.user_id, "add phrasing", f"{brand_id}/{tip.id}: {cluster.question}")
        versions = await svc.store.guides.versions(brand_id)
        text = say("phrasing_added", lang, tip=tip.title, version=versions[0].version) if versions else reply.html
        await query.edit_message_text(f"{html.escape(cluster.question)}\n{text}", parse_mode=ParseMode.HTML)


