"""What the web console's tests share: a seeded database, sign-in links, a signed-in client."""

from __future__ import annotations

import asyncio
import re
import time

from starlette.testclient import TestClient

from bot.config import Settings
from bot.core.evidence import store_evidence
from bot.core.reports import Draft, Photo
from bot.core.roles import Grant, Role
from bot.core.services.access import actor_of
from bot.core.services.console import ConsoleService, digest
from bot.core.store import Store

ADMIN, ENFORCER, MOUTAI_TEAM, MOUTAI_STAFF, SHOPPER = 1, 3001, 3002, 3003, 4001
PHOTO = b"\xff\xd8\xff\xe0" + b"evidence" * 50
NIKE_PHOTO = b"\xff\xd8\xff\xe0" + b"nike" * 50
CONSOLE_URL = "http://testserver"


def seed(settings: Settings) -> dict[str, int]:
    return asyncio.run(write_seed(settings))


async def write_seed(settings: Settings) -> dict[str, int]:
    """Reports of two brands (one with shopper-written HTML), the roles the tests act as; report ids by name."""
    store = await Store.open(settings.database)
    sha = store_evidence(settings.data_dir, PHOTO, "image/jpeg")
    nike_sha = store_evidence(settings.data_dir, NIKE_PHOTO, "image/jpeg")
    rows = {
        "moutai": (SHOPPER, "moutai", "飞天 53度", "酒仙官方旗舰店", "douyin_live", [Photo(sha, "f1", "u1", len(PHOTO))]),
        "html": (4002, "moutai", "<script>alert('x')</script>", "好酒直播间 <b>", "douyin_shop", []),
        "nike": (4003, "nike", "AJ1 秘密款", "潮鞋小店", "other_app", [Photo(nike_sha, "f2", "u2", len(NIKE_PHOTO))]),
    }
    ids = {}
    for name, (user, brand, product, shop, platform, photos) in rows.items():
        draft = Draft(
            brand=brand,
            product=product,
            platform=platform,
            shop=shop,
            problem="=SUM(A1) 胶帽起皱",
            official_check="failed",
            consent=True,
            photos=photos,
            order_number=f"O{user}",
        )
        ref = (await store.reports.submit(user, user, draft)).reference
        found = await store.reports.find(ref)
        assert found is not None
        ids[name] = found.id
    for grant in (
        Grant(ENFORCER, Role.ENFORCEMENT, None),
        Grant(MOUTAI_TEAM, Role.ENFORCEMENT, "moutai"),
        Grant(MOUTAI_STAFF, Role.STAFF, "moutai"),
    ):
        await store.roles.grant(grant, ADMIN)
    await store.close()
    return ids


def with_store(settings: Settings, work):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        store = await Store.open(settings.database)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def sign_in_link(settings: Settings, user_id: int) -> str:
    """The link ``/console`` would send ``user_id`` (through the console service)."""

    async def issue(store: Store) -> str:
        return await ConsoleService(store, settings.admin_ids, CONSOLE_URL).sign_in_link(
            await actor_of(store, user_id, settings.admin_ids)
        )

    return with_store(settings, issue)


def expired_link(settings: Settings, user_id: int) -> str:
    token = "expired-token-for-the-test"
    with_store(settings, lambda store: store.console.add_link(digest(token), user_id, time.time() - 900, time.time() - 300))
    return f"{CONSOLE_URL}/signin/{token}"


def open_link(client: TestClient, link: str):  # type: ignore[no-untyped-def]
    """What a browser does with the link: open it, press Sign in; returns the POST's response."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    form_token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert form_token is not None
    return client.post(link, data={"csrf": form_token.group(1)}, follow_redirects=False)


def sign_in(client: TestClient, settings: Settings, user_id: int) -> str:
    """Sign ``client`` in as ``user_id``; returns the session's form token."""
    response = open_link(client, sign_in_link(settings, user_id))
    assert response.status_code == 303 and response.headers["location"] in ("/queue", "/guides"), response.text
    return csrf_of(client.get(response.headers["location"]).text)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)
