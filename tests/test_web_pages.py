"""The console's later pages over HTTP: bulk moves, the sellers ranking, the dashboard and the
brand staff's guide pages, each with its permission matrix (a scoped team, staff of another
brand, brand staff on enforcement pages, a missing or wrong form token)."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from helpers import rows
from starlette.testclient import TestClient
from web_helpers import CONSOLE_URL, ENFORCER, MOUTAI_STAFF, MOUTAI_TEAM, sign_in, with_store

from bot.config import Settings
from bot.core.library import tip_ref
from bot.core.reports import Draft
from bot.core.services import Actor
from bot.core.services.dashboard import Dashboard, DashboardService
from bot.core.store import Store

NIKE_TIP = "style-code"


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


def add_reports(settings: Settings, *reports: tuple[int, str, str], failed_tip: str | None = None) -> None:
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
                failed_tip=failed_tip,
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


# --- the dashboard ------------------------------------------------------------------------------


def execute(settings: Settings, sql: str, *params: object) -> None:
    with sqlite3.connect(settings.database.sqlite_path) as db:
        db.execute(sql, params)


def move_after(settings: Settings, client: TestClient, csrf: str, report_id: int, seconds: int) -> None:
    """Move the report to under review, as if ``seconds`` after it was reported."""
    assert client.post(f"/reports/{report_id}/status", data={"csrf": csrf, "status": "under_review"}).status_code == 200
    execute(
        settings,
        "UPDATE status_history SET changed_at = (SELECT created_at FROM reports WHERE id = ?) + ? "
        "WHERE report_id = ? AND from_status IS NOT NULL",
        report_id,
        seconds,
        report_id,
    )
    execute(settings, "UPDATE reports SET first_moved_at = created_at + ? WHERE id = ?", seconds, report_id)


def test_the_dashboard_draws_the_figures_and_writes_them_beside(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    add_reports(console_settings, (5001, "moutai", "甲店"), (5002, "moutai", "乙店"), failed_tip="nfc-scan")
    add_reports(console_settings, (5003, "moutai", "丙店"), failed_tip="capsule-cap")
    add_reports(console_settings, (5004, "nike", "丁店"), failed_tip="sole-check")
    csrf = sign_in(client, console_settings, ENFORCER)
    move_after(console_settings, client, csrf, ids["moutai"], 3600)
    move_after(console_settings, client, csrf, ids["html"], 7200)
    move_after(console_settings, client, csrf, ids["nike"], 3 * 86400)
    response = client.get("/dashboard")
    assert response.status_code == 200 and "<script" not in response.text
    page = response.text
    assert page.count("<svg") == 3 and 'id="d-total">7<' in page
    assert 'data-status="submitted">4<' in page and 'data-status="under_review">3<' in page
    assert 'id="median">2h 0m<' in page and 'id="moved">3<' in page
    tips = page[page.index('id="tips"') :]
    assert tips.index("用手机NFC读取胶帽里的防伪芯片") < tips.index("看红胶帽、瓶盖和瓶头喷码") and "sole-check" in tips
    weekly = page[page.index('id="weekly"') : page.index("</table>", page.index('id="weekly"'))]
    assert weekly.count("<tr>") == 13  # the header and 12 weeks
    assert ">5</td>" in weekly and ">2</td>" in weekly  # this week: 5 of moutai, 2 of nike
    assert 'id="d-total">5<' in client.get("/dashboard", params={"brand": "moutai"}).text
    assert 'id="weekly"' in client.get("/dashboard", params={"weeks": "52"}).text
    for bad in ({"weeks": "5"}, {"weeks": "x"}):
        assert client.get("/dashboard", params=bad).status_code == 400
    assert client.get("/dashboard", params={"brand": "nosuchbrand"}).status_code == 404
    assert [(a, t) for a, t, _ in audited(console_settings, "view dashboard")][:2] == [(ENFORCER, None), (ENFORCER, "moutai")]


def test_a_scoped_team_s_dashboard_counts_only_its_brands(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    add_reports(console_settings, (5004, "nike", "丁店"), failed_tip="sole-check")
    admin_csrf = sign_in(client, console_settings, ENFORCER)
    move_after(console_settings, client, admin_csrf, ids["moutai"], 3600)
    move_after(console_settings, client, admin_csrf, ids["html"], 7200)
    move_after(console_settings, client, admin_csrf, ids["nike"], 3 * 86400)
    team = TestClient(client.app, base_url=CONSOLE_URL)
    sign_in(team, console_settings, MOUTAI_TEAM)
    page = team.get("/dashboard").text
    assert 'id="d-total">2<' in page and 'id="median">1h 30m<' in page and 'id="moved">2<' in page
    assert "sole-check" not in page and "Nike" not in page and "耐克" not in page
    assert team.get("/dashboard", params={"brand": "nike"}).status_code == 403
    staff = TestClient(client.app, base_url=CONSOLE_URL)
    sign_in(staff, console_settings, MOUTAI_STAFF)
    assert staff.get("/dashboard").status_code == 403


def test_weeks_start_on_monday_utc(console_settings: Settings, ids: dict[str, int]) -> None:
    monday = 1704067200.0  # 2024-01-01 00:00 UTC, a Monday
    for report_id, at in ((ids["moutai"], monday), (ids["html"], monday + 7 * 86400 - 1), (ids["nike"], monday + 7 * 86400)):
        execute(console_settings, "UPDATE reports SET created_at = ? WHERE id = ?", at, report_id)

    async def figures(store: Store) -> Dashboard:
        return await DashboardService(store, lambda brand: True).dashboard(Actor.operator(), None, 4, dt.date(2024, 1, 10))

    found = with_store(console_settings, figures)
    assert found.since == dt.date(2023, 12, 18) and found.weeks[-1] == dt.date(2024, 1, 8) and len(found.weeks) == 4
    assert found.per_week == {(dt.date(2024, 1, 1), "moutai"): 2, (dt.date(2024, 1, 8), "nike"): 1}
    assert found.brands == ("moutai", "nike") and found.first_move_median is None and found.moved == 0


# --- brand staff: guides ------------------------------------------------------------------------


def upload_file(client: TestClient, csrf: str | None, name: str, content: bytes):  # type: ignore[no-untyped-def]
    data = {"csrf": csrf} if csrf is not None else {}
    return client.post("/guides/upload", data=data, files={"file": (name, content, "application/yaml")}, follow_redirects=False)


def test_staff_see_only_their_guides_with_votes_per_tip(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    async def votes(store: Store) -> None:
        await store.answers.record_feedback(7001, "moutai", "nfc-scan", 1)
        await store.answers.record_feedback(7001, "moutai", "nfc-scan", 1)  # the same shopper again: one vote
        await store.answers.record_feedback(7002, "moutai", "nfc-scan", 1)
        await store.answers.record_feedback(7003, "moutai", "capsule-cap", -1)
        await store.answers.record_feedback(7004, "nike", "nfc-scan", -1)

    with_store(console_settings, votes)
    sign_in(client, console_settings, MOUTAI_STAFF)
    listing = client.get("/guides").text
    assert 'href="/guides/moutai"' in listing and 'href="/guides/nike"' not in listing
    page = client.get("/guides/moutai").text
    assert 'data-up="nfc-scan">2<' in page and 'data-down="nfc-scan">0<' in page and 'data-down="capsule-cap">1<' in page
    assert "随软件附带的文件" in page and "用手机NFC读取胶帽里的防伪芯片" in page  # the bundled file is in service
    for path in ("/guides/nike", "/guides/nike/missed", "/guides/nike/diff?old=1&new=2"):
        assert client.get(path).status_code == 403
    team = TestClient(client.app, base_url=CONSOLE_URL)
    sign_in(team, console_settings, MOUTAI_TEAM)
    assert team.get("/guides").status_code == 403 and team.get("/guides/moutai").status_code == 403


def test_upload_history_diff_and_rollback(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    csrf = sign_in(client, console_settings, MOUTAI_STAFF)
    original = (console_settings.guides_dir / "moutai.yaml").read_bytes()
    first = original.replace("看红胶帽、瓶盖和瓶头喷码".encode(), "看红胶帽和瓶盖".encode())
    second = first.replace("看红胶帽和瓶盖".encode(), "看红胶帽 <b>和</b> 瓶盖".encode())
    assert upload_file(client, None, "moutai.yaml", first).status_code == 403  # no form token: nothing published
    response = upload_file(client, csrf, "moutai.yaml", first)
    assert response.status_code == 303 and response.headers["location"] == "/guides/moutai?published=1"
    assert upload_file(client, csrf, "moutai.yaml", second).headers["location"] == "/guides/moutai?published=2"
    page = client.get("/guides/moutai?published=2").text
    assert 'id="in-service">v2<' in page and 'id="published"' in page and "看红胶帽 &lt;b&gt;和&lt;/b&gt; 瓶盖" in page
    diff = client.get("/guides/moutai/diff", params={"old": 1, "new": 2}).text
    assert '<span class="del">-    title: 看红胶帽和瓶盖</span>' in diff
    assert '<span class="add">+    title: 看红胶帽 &lt;b&gt;和&lt;/b&gt; 瓶盖</span>' in diff
    assert client.get("/guides/moutai/diff", params={"old": 1, "new": 9}).status_code == 404
    assert client.get("/guides/moutai/diff", params={"old": "x"}).status_code == 400
    assert client.post("/guides/moutai/rollback", data={"version": 1}).status_code == 403
    rolled = client.post("/guides/moutai/rollback", data={"csrf": csrf, "version": 1}, follow_redirects=False)
    assert rolled.status_code == 303 and rolled.headers["location"] == "/guides/moutai?published=3"
    assert (console_settings.guides_dir / "moutai.yaml").read_bytes() == first
    assert "rollback to v1" in client.get("/guides/moutai").text
    same = client.post("/guides/moutai/rollback", data={"csrf": csrf, "version": 3})
    assert same.status_code == 400 and "完全一样" in same.text


def test_an_invalid_upload_lists_the_errors_by_line_and_field(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, MOUTAI_STAFF)
    original = (console_settings.guides_dir / "moutai.yaml").read_bytes()
    broken = original.replace(b"  - id: capsule-cap\n", b"  - id: Capsule Cap!\n")
    response = upload_file(client, csrf, "moutai.yaml", broken)
    assert response.status_code == 400 and "没有上线" in response.text
    assert re.search(r'<td>moutai.yaml</td><td class="num">33</td><td><code>[^<]*id</code></td>', response.text), response.text
    assert (console_settings.guides_dir / "moutai.yaml").read_bytes() == original
    nike = (console_settings.guides_dir / "nike.yaml").read_bytes().replace("耐克 Nike".encode(), "耐克 NIKE".encode())
    assert upload_file(client, csrf, "nike.yaml", nike).status_code == 403  # another brand's file
    assert rows(console_settings, "SELECT COUNT(*) FROM guide_versions") == [(0,)]


def test_missed_questions_are_added_as_a_phrasing_or_dismissed(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    async def asked(store: Store) -> None:
        await store.answers.record_unanswered("茅台的芯片<手机>怎么读", 0.2, "moutai")
        await store.answers.record_unanswered("茅台的芯片<手机>怎么读？", 0.2, "moutai")
        await store.answers.record_unanswered("茅台箱子上的码对不上", 0.1, "moutai")
        await store.answers.record_unanswered("耐克鞋盒标签", 0.1, "nike")

    with_store(console_settings, asked)
    csrf = sign_in(client, console_settings, MOUTAI_STAFF)
    page = client.get("/guides/moutai/missed").text
    assert "茅台的芯片&lt;手机&gt;怎么读" in page and "茅台箱子上的码对不上" in page and "耐克鞋盒标签" not in page
    keys = re.findall(r'action="/guides/moutai/missed/([^/"]+)/add"', page)
    assert len(keys) == 2 and '<td class="num">2</td>' in page
    chip_key = keys[0] if page.index(keys[0]) < page.index("茅台箱子上") else keys[1]
    other_key = next(k for k in keys if k != chip_key)
    assert client.post(f"/guides/moutai/missed/{chip_key}/add", data={"tip": tip_ref("moutai", "nfc-scan")}).status_code == 403
    assert (
        client.post(f"/guides/moutai/missed/{chip_key}/add", data={"csrf": csrf, "tip": tip_ref("nike", NIKE_TIP)}).status_code
        == 400
    )
    added = client.post(
        f"/guides/moutai/missed/{chip_key}/add", data={"csrf": csrf, "tip": tip_ref("moutai", "nfc-scan")}, follow_redirects=False
    )
    assert added.status_code == 303 and added.headers["location"] == "/guides/moutai/missed?done=added", added.text
    assert "茅台的芯片<手机>怎么读" in (console_settings.guides_dir / "moutai.yaml").read_text(encoding="utf-8")
    assert client.post(f"/guides/moutai/missed/{other_key}/dismiss", data={}).status_code == 403
    dismissed = client.post(f"/guides/moutai/missed/{other_key}/dismiss", data={"csrf": csrf}, follow_redirects=False)
    assert dismissed.headers["location"] == "/guides/moutai/missed?done=dismissed"
    after = client.get("/guides/moutai/missed?done=dismissed").text
    assert "茅台的芯片" not in after and "茅台箱子上" not in after and 'id="done"' in after
    assert client.post(f"/guides/moutai/missed/{other_key}/dismiss", data={"csrf": csrf}).status_code == 404  # dealt with
    assert [a for a, _, _ in audited(console_settings, "dismiss phrasing")] == [MOUTAI_STAFF]
    assert [a for a, _, _ in audited(console_settings, "add phrasing")] == [MOUTAI_STAFF]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sellers"),
        ("GET", "/dashboard"),
        ("GET", "/guides"),
        ("GET", "/guides/moutai"),
        ("GET", "/guides/moutai/diff?old=1&new=2"),
        ("GET", "/guides/moutai/missed"),
        ("POST", "/bulk"),
        ("POST", "/guides/upload"),
        ("POST", "/guides/moutai/rollback"),
        ("POST", "/guides/moutai/missed/u1/add"),
        ("POST", "/guides/moutai/missed/u1/dismiss"),
    ],
)
def test_the_new_pages_need_a_session(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 401
    client.cookies.set("authbot_session", "forged")
    assert client.request(method, path).status_code == 401
