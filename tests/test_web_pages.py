"""The console's later pages over HTTP: bulk moves, the sellers ranking, the dashboard and the
brand staff's guide pages, each with its permission matrix (a scoped team, staff of another
brand, brand staff on enforcement pages, a missing or wrong form token)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from helpers import rows
from starlette.testclient import TestClient
from web_helpers import CONSOLE_URL, ENFORCER, MOUTAI_STAFF, MOUTAI_TEAM, seed, sign_in, with_store

from bot.config import Settings
from bot.core.reports import Draft
from bot.core.store import Store
from bot.web.app import create_app


@pytest.fixture
def console_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, console_url=CONSOLE_URL)


@pytest.fixture
def ids(console_settings: Settings) -> dict[str, int]:
    return seed(console_settings)


@pytest.fixture
def client(console_settings: Settings, ids: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(console_settings), base_url=CONSOLE_URL) as test_client:
        yield test_client


def status_of(settings: Settings, report_id: int) -> str:
    return str(rows(settings, "SELECT status FROM reports WHERE id = ?", report_id)[0][0])


def audited(settings: Settings, action: str) -> list[tuple]:
    return rows(settings, "SELECT actor, target, detail FROM audit WHERE action = ? ORDER BY id", action)


# --- bulk moves ---------------------------------------------------------------------------------


def test_the_queue_offers_a_bulk_form_with_the_form_token(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, ENFORCER)
    page = client.get("/queue").text
    assert 'action="/bulk"' in page and f'value="{csrf}"' in page
    assert all(f'name="report" value="{i}"' in page for i in ids.values())


def test_a_bulk_move_moves_what_the_lifecycle_allows_and_lists_the_rest(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, ENFORCER)
    client.post(f"/reports/{ids['moutai']}/status", data={"csrf": csrf, "status": "under_review"})
    response = client.post(
        "/bulk",
        data={
            "csrf": csrf,
            "status": "confirmed_counterfeit",
            "note": "批量<b>确认",
            "report": [ids["moutai"], ids["nike"], ids["html"]],
        },
    )
    assert response.status_code == 200
    assert 'id="moved-count">1<' in response.text and 'id="refused-count">2<' in response.text
    assert "批量&lt;b&gt;确认" in response.text
    assert status_of(console_settings, ids["moutai"]) == "confirmed_counterfeit"
    assert status_of(console_settings, ids["nike"]) == status_of(console_settings, ids["html"]) == "submitted"
    notes = rows(
        console_settings, "SELECT h.note FROM notifications n JOIN status_history h ON h.id = n.history_id ORDER BY n.id"
    )
    assert notes == [(None,), ("批量<b>确认",)]  # the single move, then the one bulk move that passed
    assert [d for _, _, d in audited(console_settings, "status")] == [
        "submitted -> under_review",
        "under_review -> confirmed_counterfeit",
    ]
    both = client.post("/bulk", data={"csrf": csrf, "status": "under_review", "report": [ids["nike"], ids["html"]]})
    assert 'id="moved-count">2<' in both.text and 'id="refused"' not in both.text
    assert len(rows(console_settings, "SELECT id FROM notifications")) == 4  # each shopper told


def test_a_scoped_team_bulk_moves_only_its_brands_reports(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, MOUTAI_TEAM)
    response = client.post("/bulk", data={"csrf": csrf, "status": "under_review", "report": [ids["moutai"], ids["nike"], 999999]})
    assert response.status_code == 200 and 'id="moved-count">1<' in response.text
    assert f"#{ids['nike']}" in response.text and "#999999" in response.text  # both answered alike: not found
    assert "潮鞋小店" not in response.text and "AJ1" not in response.text
    assert status_of(console_settings, ids["nike"]) == "submitted"
    assert status_of(console_settings, ids["moutai"]) == "under_review"


def test_a_bulk_move_needs_the_form_token_a_role_and_a_valid_note(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, ENFORCER)
    for data in (
        {"status": "under_review", "report": ids["moutai"]},
        {"csrf": "x", "status": "under_review", "report": ids["moutai"]},
    ):
        assert client.post("/bulk", data=data).status_code == 403
    too_long = client.post("/bulk", data={"csrf": csrf, "status": "under_review", "note": "长" * 1001, "report": ids["moutai"]})
    assert too_long.status_code == 400 and "太长了" in too_long.text
    assert client.post("/bulk", data={"csrf": csrf, "status": "nope", "report": ids["moutai"]}).status_code == 400
    assert client.post("/bulk", data={"csrf": csrf, "status": "under_review", "report": "x"}).status_code == 400
    assert client.post("/bulk", data={"csrf": csrf, "status": "under_review"}).status_code == 400
    assert status_of(console_settings, ids["moutai"]) == "submitted"
    staff = TestClient(client.app, base_url=CONSOLE_URL)
    staff_csrf = sign_in(staff, console_settings, MOUTAI_STAFF)
    assert staff.post("/bulk", data={"csrf": staff_csrf, "status": "under_review", "report": ids["moutai"]}).status_code == 403
    assert status_of(console_settings, ids["moutai"]) == "submitted"


# --- sellers ------------------------------------------------------------------------------------


def add_reports(settings: Settings, *reports: tuple[int, str, str]) -> None:
    """More reports: (shopper, brand, shop as written)."""

    async def write(store: Store) -> None:
        for user, brand, shop in reports:
            draft = Draft(
                brand=brand,
                product="飞天",
                platform="douyin_live",
                shop=shop,
                problem="假",
                official_check="failed",
                consent=True,
                photos=[],
            )
            await store.reports.submit(user, user, draft)

    with_store(settings, write)


def test_sellers_rank_repeat_offenders_with_a_drill_down_to_their_reports(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    add_reports(console_settings, (5001, "moutai", "酒仙旗舰店"), (5002, "moutai", " 酒仙官方旗舰店"), (5003, "nike", "潮鞋小店"))
    sign_in(client, console_settings, ENFORCER)
    page = client.get("/sellers").text
    assert 'id="seller-total">3<' in page
    assert page.index("酒仙官方旗舰店") < page.index("潮鞋小店") < page.index("好酒直播间 &lt;b&gt;")
    assert 'data-shoppers="酒仙官方旗舰店">3<' in page and 'data-shoppers="潮鞋小店">2<' in page
    link = re.search(r'<a href="([^"]+)" class="seller">酒仙官方旗舰店', page)
    assert link is not None
    drilled = client.get(link.group(1).replace("&amp;", "&")).text
    assert 'id="total">3<' in drilled and 'id="shop-filter"' in drilled and "潮鞋小店" not in drilled
    assert 'id="total">1<' in client.get("/queue", params={"shop": "酒仙旗舰店"}).text
    exported = client.get("/export.jsonl", params=[("shop", "酒仙旗舰店"), ("shop", "潮鞋小店")]).text
    assert len(exported.splitlines()) == 3
    assert 'id="seller-total">1<' in client.get("/sellers", params={"brand": "nike"}).text
    assert [(a, t) for a, t, _ in audited(console_settings, "list sellers")] == [(ENFORCER, None), (ENFORCER, "nike")]


def test_a_scoped_team_ranks_only_its_brands_sellers(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    add_reports(console_settings, (5003, "nike", "潮鞋小店"), (5004, "nike", "潮鞋小店"))
    sign_in(client, console_settings, MOUTAI_TEAM)
    page = client.get("/sellers").text
    assert 'id="seller-total">2<' in page and "潮鞋小店" not in page and '<option value="nike"' not in page
    assert client.get("/sellers", params={"brand": "nike"}).status_code == 403
    drilled = client.get("/queue", params={"shop": "潮鞋小店"}).text
    assert 'id="total">0<' in drilled and "/reports/" not in drilled
    staff = TestClient(client.app, base_url=CONSOLE_URL)
    sign_in(staff, console_settings, MOUTAI_STAFF)
    assert staff.get("/sellers").status_code == 403
