"""Brand staff's pages: their guides (the version in service, the history with a diff between
any two versions, rollback, upload with the validator's errors by line and field), what shoppers
asked that the guide missed (add as a phrasing of a tip, or dismiss), and 👍/👎 per tip.

Everything goes through the guide use cases, which check the person may edit the brand."""

from __future__ import annotations

from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ... import presenter
from ...core.guides import MAX_FILE_BYTES
from ...core.library import tip_ref
from ...core.services.guides import Publication, Published, Refused
from ..render import render
from ..session import posted_form, services, signed_in

BRAND = "{brand_id:str}"


def routes() -> list[Route]:
    return [
        Route("/guides", guides_page),
        Route("/guides/upload", upload, methods=["POST"]),
        Route(f"/guides/{BRAND}", guide_page),
        Route(f"/guides/{BRAND}/diff", diff_page),
        Route(f"/guides/{BRAND}/rollback", rollback, methods=["POST"]),
        Route(f"/guides/{BRAND}/missed", missed_page),
        Route(f"/guides/{BRAND}/missed/{{key:str}}/add", add_phrasing, methods=["POST"]),
        Route(f"/guides/{BRAND}/missed/{{key:str}}/dismiss", dismiss, methods=["POST"]),
    ]


async def guides_page(request: Request) -> Response:
    user = await signed_in(request)
    return render(request, "guides.html", {"brands": services(request).guides.editable_brands(user.actor)})


async def guide_page(request: Request) -> Response:
    user = await signed_in(request)
    guides = services(request).guides
    brand_id: str = request.path_params["brand_id"]
    history = await guides.history(user.actor, brand_id)
    votes = await guides.tip_votes(user.actor, brand_id)
    in_service = guides.file_in_service(user.actor, brand_id)
    return render(
        request,
        "guide.html",
        {
            "history": history,
            "brand": history.brand,
            "votes": votes,
            "file": in_service.content.decode("utf-8", "replace"),
            "file_name": in_service.name,
            "done": request.query_params.get("published"),
        },
    )


async def diff_page(request: Request) -> Response:
    user = await signed_in(request)
    brand_id: str = request.path_params["brand_id"]
    try:
        old, new = int(request.query_params["old"]), int(request.query_params["new"])
    except (KeyError, ValueError):
        raise HTTPException(400, "two version numbers: old and new") from None
    lines = await services(request).guides.diff(user.actor, brand_id, old, new)
    history = await services(request).guides.history(user.actor, brand_id)
    return render(request, "guide_diff.html", {"brand": history.brand, "lines": lines, "old": old, "new": new})


async def rollback(request: Request) -> Response:
    user = await signed_in(request)
    form = await posted_form(request, user.csrf_token)
    brand_id: str = request.path_params["brand_id"]
    try:
        version = int(str(form.get("version")))
    except ValueError:
        raise HTTPException(400, "bad version") from None
    result = await services(request).guides.rollback(user.actor, brand_id, version)
    return _outcome(request, result, brand_id)


async def upload(request: Request) -> Response:
    user = await signed_in(request)
    form = await posted_form(request, user.csrf_token)
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        raise HTTPException(400, "no file")
    data = await sent.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise HTTPException(413, f"a tip file is at most {MAX_FILE_BYTES // 1024} KB")
    result = await services(request).guides.publish(user.actor, data, sent.filename.rsplit("/", 1)[-1])
    return _outcome(request, result, None)


def _outcome(request: Request, result: Publication, brand_id: str | None) -> Response:
    """Published: back to the brand's page; refused: the reasons, each error by line and field."""
    if isinstance(result, Published):
        return RedirectResponse(f"/guides/{result.brand.id}?published={result.version}", status_code=303)
    assert isinstance(result, Refused)
    message = Markup(presenter.publication(result, "zh").html.split("\n", 1)[0])
    return render(request, "guide_refused.html", {"result": result, "message": message, "brand_id": brand_id}, status_code=400)


async def missed_page(request: Request) -> Response:
    user = await signed_in(request)
    brand, clusters = await services(request).guides.missed_phrasings(user.actor, request.path_params["brand_id"])
    return render(
        request,
        "guide_missed.html",
        {
            "brand": brand,
            "clusters": clusters,
            "tips": [(tip_ref(brand.id, t.id), t.title) for t in brand.tips],
            "done": request.query_params.get("done"),
        },
    )


async def add_phrasing(request: Request) -> Response:
    user = await signed_in(request)
    form = await posted_form(request, user.csrf_token)
    brand_id: str = request.path_params["brand_id"]
    ref = str(form.get("tip") or "")
    found = services(request).library.catalog.by_ref(ref)
    if found is None or found[0].id != brand_id:
        raise HTTPException(400, "not a tip of this brand")
    result = await services(request).guides.add_phrasing(user.actor, request.path_params["key"], ref)
    if isinstance(result, Refused):
        return _outcome(request, result, brand_id)
    return RedirectResponse(f"/guides/{brand_id}/missed?done=added", status_code=303)


async def dismiss(request: Request) -> Response:
    user = await signed_in(request)
    await posted_form(request, user.csrf_token)
    brand_id: str = request.path_params["brand_id"]
    await services(request).guides.dismiss_phrasing(user.actor, brand_id, request.path_params["key"])
    return RedirectResponse(f"/guides/{brand_id}/missed?done=dismissed", status_code=303)
