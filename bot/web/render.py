"""Templates and the little helpers they use. Jinja2 escapes every value (autoescape), so
shopper-written text is shown, never interpreted; labels come from bot.texts (zh first, en second)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ..texts import say

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def label(key: str) -> Markup:
    """A text of bot.texts in Chinese with the English beside it (both are HTML-ready: values escaped by say)."""
    zh, en = say(key, "zh"), say(key, "en")
    return Markup(f'{zh} <span class="en">{en}</span>') if zh != en else Markup(zh)


def status_label(status: str) -> Markup:
    return label(f"status_{status}")


def age(epoch: float) -> str:
    """How long ago, coarsely: ``5m``, ``3h``, ``12d``."""
    seconds = max(0, int(time.time() - epoch))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


templates.env.globals.update(label=label, status_label=status_label, age=age, when=when)


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, template, context, status_code=status_code)
