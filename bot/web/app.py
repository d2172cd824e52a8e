"""The console's ASGI application: routes, templates, the security headers on every response,
and how a use case's refusal becomes an HTTP answer (not found and another brand's report are
the same 404)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..core.library import GuideLibrary
from ..core.services import Forbidden, NotFound, Services
from ..core.services.console import SignedOut
from ..core.store import Store
from .pages import bulk, dashboard, export, guides, queue, report, sellers, signin
from .render import render
from .session import forget_session

STATIC = Path(__file__).parent / "static"

# No inline script or style, nothing from another origin, no framing; forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link in the address bar never leaves in a Referer
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Adds the security headers to every response, and ``no-store`` to every page but the stylesheet."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, library: GuideLibrary | None = None) -> Starlette:
    """The console over the database in ``settings`` (the store is opened when the server starts)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = await Store.open(settings.database)
        guides = library or GuideLibrary.open(settings.guides_dir)
        app.state.services = Services(
            store, guides, settings.data_dir, settings.database, settings.admin_ids, settings.console_url
        )
        try:
            yield
        finally:
            await store.close()

    routes = [
        *signin.routes(),
        *queue.routes(),
        *report.routes(),
        *export.routes(),
        *bulk.routes(),
        *sellers.routes(),
        *dashboard.routes(),
        *guides.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={SignedOut: _signed_out, NotFound: _not_found, Forbidden: _forbidden, 404: _not_found},
        lifespan=lifespan,
    )


async def _signed_out(request: Request, exc: Exception) -> Response:
    response = render(request, "signed_out.html", {}, status_code=401)
    forget_session(response)
    return response


async def _not_found(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", {"problem": "not_found"}, status_code=404)


async def _forbidden(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", {"problem": "forbidden"}, status_code=403)
