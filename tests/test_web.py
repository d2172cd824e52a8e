"""The web console over HTTP: every route, signing in, and the permission matrix (a used or
expired link, a person without a role, brand staff, a scoped team, a revoked user mid-session,
missing or wrong form tokens, forged report ids and photo paths, shopper-written HTML)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile

import pytest
from helpers import rows
from starlette.testclient import TestClient
from web_helpers import (
    CONSOLE_URL,
    ENFORCER,
    MOUTAI_STAFF,
    MOUTAI_TEAM,
    PHOTO,
    SHOPPER,
    expired_link,
    open_link,
    seed,
    sign_in,
    sign_in_link,
    with_store,
)

from bot.config import Settings
from bot.core.roles import Grant, Role
from bot.core.services import Forbidden
from bot.web.app import create_app


def audit(settings: Settings, action: str) -> list[tuple]:
    return rows(settings, "SELECT actor, target, detail FROM audit WHERE action = ? ORDER BY id", action)


# --- signing in -------------------------------------------------------------------------------


def test_a_link_signs_in_once_with_a_session_cookie_that_scripts_cannot_read(
    client: TestClient, console_settings: Settings
) -> None:
    link = sign_in_link(console_settings, ENFORCER)
    assert link.startswith(f"{CONSOLE_URL}/signin/") and len(link.rsplit("/", 1)[1]) >= 40
    assert client.get(link).status_code == 200 and client.get(link).status_code == 200  # opening (a link preview) spends nothing
    response = open_link(client, link)
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"]
    assert "authbot_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Max-Age=28800" in cookie
    assert client.get("/queue").status_code == 200
    stolen = TestClient(client.app, base_url=CONSOLE_URL)
    again = open_link(stolen, link)
    assert again.status_code == 401 and "链接无效" in again.text and "authbot_session" not in again.headers.get("set-cookie", "")
    token = link.rsplit("/", 1)[1]
    stored = rows(console_settings, "SELECT token_sha256 FROM console_links")
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]  # only the digest is kept
    assert [a for a, _, _ in audit(console_settings, "console sign-in")] == [ENFORCER]


def test_the_cookie_is_secure_behind_https(console_settings: Settings, ids: dict[str, int]) -> None:
    with TestClient(create_app(console_settings), base_url="https://console.example") as secure:
        link = sign_in_link(console_settings, ENFORCER).replace(CONSOLE_URL, "https://console.example")
        assert "Secure" in open_link(secure, link).headers["set-cookie"]


def test_an_expired_link_signs_nobody_in(client: TestClient, console_settings: Settings) -> None:
    response = open_link(client, expired_link(console_settings, ENFORCER))
    assert response.status_code == 401 and client.get("/queue").status_code == 401


def test_the_sign_in_form_needs_its_own_token(client: TestClient, console_settings: Settings) -> None:
    link = sign_in_link(console_settings, ENFORCER)
    assert client.post(link, data={"csrf": "x"}, follow_redirects=False).status_code == 403  # no cookie: a forged form
    client.get(link)
    assert client.post(link, data={"csrf": "wrong"}, follow_redirects=False).status_code == 403
    assert client.post(link, data={}, follow_redirects=False).status_code == 403
    assert open_link(client, link).status_code == 303  # the link was not spent by the refused posts


def test_only_a_person_with_a_role_gets_a_link(console_settings: Settings, ids: dict[str, int]) -> None:
    with pytest.raises(Forbidden):
        sign_in_link(console_settings, SHOPPER)


def test_a_role_revoked_before_the_link_is_used_signs_nobody_in(client: TestClient, console_settings: Settings) -> None:
    link = sign_in_link(console_settings, MOUTAI_TEAM)
    with_store(console_settings, lambda store: store.roles.revoke(Grant(MOUTAI_TEAM, Role.ENFORCEMENT, "moutai"), 1))
    assert open_link(client, link).status_code == 401 and client.get("/queue").status_code == 401


def test_a_revoked_user_is_signed_out_at_the_next_request(client: TestClient, console_settings: Settings) -> None:
    sign_in(client, console_settings, MOUTAI_TEAM)
    with_store(console_settings, lambda store: store.roles.revoke(Grant(MOUTAI_TEAM, Role.ENFORCEMENT, "moutai"), 1))
    response = client.get("/queue")
    assert response.status_code == 401 and "请先登录" in response.text
    with_store(console_settings, lambda store: store.roles.grant(Grant(MOUTAI_TEAM, Role.ENFORCEMENT, "moutai"), 1))
    assert client.get("/queue").status_code == 401  # the session ended for good; a new link is needed
    assert audit(console_settings, "console sign-out") == [(MOUTAI_TEAM, None, "role revoked")]


def test_sign_out_ends_the_session_and_needs_the_form_token(client: TestClient, console_settings: Settings) -> None:
    csrf = sign_in(client, console_settings, ENFORCER)
    assert client.post("/signout", data={}).status_code == 403
    assert client.get("/queue").status_code == 200
    response = client.post("/signout", data={"csrf": csrf})
    assert response.status_code == 200 and "已退出" in response.text
    assert client.get("/queue").status_code == 401


@pytest.mark.parametrize(
    "path", ["/queue", "/reports/1", "/reports/1/photos/ab", "/reports/1/evidence.zip", "/export.csv", "/export.jsonl"]
)
def test_nothing_without_a_session(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401 and "/console" in response.text
    client.cookies.set("authbot_session", "forged")
    assert client.get(path).status_code == 401


def test_home_asks_to_sign_in_and_every_page_forbids_inline_script(client: TestClient, console_settings: Settings) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 401 and "/console" in response.text
    sign_in(client, console_settings, ENFORCER)
    assert client.get("/", follow_redirects=False).headers["location"] == "/queue"
    for path in ("/", "/queue", "/static/console.css", "/nowhere"):
        headers = client.get(path, follow_redirects=False).headers
        assert (
            "script-src 'self'" in headers["content-security-policy"]
            and "unsafe-inline" not in headers["content-security-policy"]
        )
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    assert client.get("/nowhere").status_code == 404


# --- the queue ----------------------------------------------------------------------------------


def test_the_queue_lists_counts_and_filters(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    sign_in(client, console_settings, ENFORCER)
    page = client.get("/queue").text
    assert all(f"/reports/{i}" in page for i in ids.values())
    assert '<b data-status="submitted">3</b>' in page and 'id="total">3<' in page
    assert "酒仙官方旗舰店" in page and "潮鞋小店" in page
    searched = client.get("/queue", params={"q": "旗舰店"}).text
    assert f"/reports/{ids['moutai']}" in searched and f"/reports/{ids['nike']}" not in searched
    assert f"/reports/{ids['nike']}" in client.get("/queue", params={"q": "aj1"}).text  # any case
    assert 'id="total">0<' in client.get("/queue", params={"q": "%"}).text  # LIKE's wildcard is taken literally
    by_platform = client.get("/queue", params={"platform": "other_app"}).text
    assert 'id="total">1<' in by_platform and f"/reports/{ids['nike']}" in by_platform
    assert 'id="total">2<' in client.get("/queue", params={"brand": "moutai"}).text
    assert 'id="total">0<' in client.get("/queue", params={"status": "closed"}).text
    assert 'id="total">0<' in client.get("/queue", params={"since": "2001-01-01", "until": "2001-12-31"}).text
    assert 'id="total">3<' in client.get("/queue", params={"since": "2001-01-01"}).text
    oldest = client.get("/queue", params={"sort": "oldest"}).text
    assert oldest.index(f"/reports/{ids['moutai']}") < oldest.index(f"/reports/{ids['nike']}")
    newest = client.get("/queue", params={"sort": "newest"}).text
    assert newest.index(f"/reports/{ids['nike']}") < newest.index(f"/reports/{ids['moutai']}")
    assert client.get("/queue", params={"sort": "last_change", "page": "2"}).status_code == 200
    for bad in ({"status": "nope"}, {"since": "yesterday"}, {"platform": "x"}, {"sort": "x"}, {"page": "x"}):
        assert client.get("/queue", params=bad).status_code == 400
    assert client.get("/queue", params={"brand": "nosuchbrand"}).status_code == 404
    assert audit(console_settings, "list reports")


def test_a_scoped_team_never_sees_counts_or_learns_of_another_brands_report(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, MOUTAI_TEAM)
    page = client.get("/queue").text
    assert f"/reports/{ids['nike']}" not in page and "潮鞋小店" not in page and 'id="total">2<' in page
    assert '<b data-status="submitted">2</b>' in page and '<option value="nike"' not in page
    unknown, other = client.get("/reports/999999"), client.get(f"/reports/{ids['nike']}")
    assert other.status_code == unknown.status_code == 404 and other.text == unknown.text
    nike_sha = rows(console_settings, "SELECT sha256 FROM evidence JOIN reports r ON r.id = report_id WHERE r.brand = 'nike'")[0][
        0
    ]
    assert client.get(f"/reports/{ids['nike']}/photos/{nike_sha}").status_code == 404
    assert client.get(f"/reports/{ids['nike']}/evidence.zip").status_code == 404
    moved = client.post(f"/reports/{ids['nike']}/status", data={"csrf": csrf, "status": "under_review", "note": "x"})
    assert moved.status_code == 404 and rows(console_settings, "SELECT status FROM reports WHERE id = ?", ids["nike"]) == [
        ("submitted",)
    ]
    assert client.get("/queue", params={"brand": "nike"}).status_code == 403
    exported = client.get("/export.jsonl").text
    assert "潮鞋小店" not in exported and len(exported.splitlines()) == 2
    assert client.get("/queue", params={"q": "AJ1"}).text.count("/reports/") == 0


def test_brand_staff_may_sign_in_but_not_enforce(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    landed = open_link(client, sign_in_link(console_settings, MOUTAI_STAFF))
    assert landed.headers["location"] == "/guides"  # their brand's guides, not a queue they may not see
    assert client.get("/", follow_redirects=False).headers["location"] == "/guides"
    assert client.get("/queue").status_code == 403
    assert client.get(f"/reports/{ids['moutai']}").status_code == 403
    assert client.get("/export.csv").status_code == 403


def test_shopper_written_html_is_shown_as_text(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    sign_in(client, console_settings, ENFORCER)
    for page in (client.get("/queue").text, client.get(f"/reports/{ids['html']}").text):
        assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
        assert "好酒直播间 <b>" not in page and "好酒直播间 &lt;b&gt;" in page


# --- a report ---------------------------------------------------------------------------------


def test_a_report_shows_every_field_its_photo_and_history_audited(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    sign_in(client, console_settings, ENFORCER)
    page = client.get(f"/reports/{ids['moutai']}").text
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert "飞天 53度" in page and "酒仙官方旗舰店" in page and "=SUM(A1) 胶帽起皱" in page and "抖音直播间" in page
    assert sha in page and f'src="/reports/{ids["moutai"]}/photos/{sha}"' in page and "已提交" in page
    photo = client.get(f"/reports/{ids['moutai']}/photos/{sha}")
    assert photo.status_code == 200 and photo.content == PHOTO and photo.headers["content-type"] == "image/jpeg"
    assert [t for _, t, _ in audit(console_settings, "view report")] and [
        d for _, _, d in audit(console_settings, "view photo")
    ] == [sha]


@pytest.mark.parametrize("forged", ["..%2F..%2Fauthbot.sqlite3", "0" * 64, "%2Fetc%2Fpasswd", "%2E%2E", "*"])
def test_a_forged_photo_path_is_not_found(
    client: TestClient, console_settings: Settings, ids: dict[str, int], forged: str
) -> None:
    sign_in(client, console_settings, ENFORCER)
    assert client.get(f"/reports/{ids['moutai']}/photos/{forged}").status_code == 404


def test_another_reports_photo_is_not_found_through_this_report(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    sign_in(client, console_settings, ENFORCER)
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert client.get(f"/reports/{ids['nike']}/photos/{sha}").status_code == 404
    for forged in ("/reports/0", "/reports/-1", "/reports/abc", "/reports/99999999999999999999"):
        assert client.get(forged).status_code == 404


def test_moving_a_report_tells_the_shopper_through_the_outbox(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    csrf = sign_in(client, console_settings, ENFORCER)
    report = ids["moutai"]
    response = client.post(
        f"/reports/{report}/status",
        data={"csrf": csrf, "status": "under_review", "note": "已收到<b>，核查中"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/reports/{report}?moved=1"
    page = client.get(response.headers["location"]).text
    assert 'id="moved"' in page and "已收到&lt;b&gt;，核查中" in page
    assert rows(console_settings, "SELECT status FROM reports WHERE id = ?", report) == [("under_review",)]
    assert rows(
        console_settings, "SELECT h.note, n.sent_at FROM notifications n JOIN status_history h ON h.id = n.history_id"
    ) == [("已收到<b>，核查中", None)]
    assert audit(console_settings, "status")[0][0] == ENFORCER


def test_a_move_needs_the_sessions_form_token(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    sign_in(client, console_settings, ENFORCER)
    other = TestClient(client.app, base_url=CONSOLE_URL)
    others_csrf = sign_in(other, console_settings, MOUTAI_TEAM)
    for data in (
        {"status": "under_review"},
        {"csrf": "", "status": "under_review"},
        {"csrf": others_csrf, "status": "under_review"},
    ):
        assert client.post(f"/reports/{ids['moutai']}/status", data=data).status_code == 403
    assert rows(console_settings, "SELECT status FROM reports WHERE id = ?", ids["moutai"]) == [("submitted",)]


def test_a_refused_move_says_why(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    csrf = sign_in(client, console_settings, ENFORCER)
    refused = client.post(f"/reports/{ids['moutai']}/status", data={"csrf": csrf, "status": "confirmed_counterfeit"})
    assert refused.status_code == 400 and "无法修改" in refused.text
    assert client.post(f"/reports/{ids['moutai']}/status", data={"csrf": csrf, "status": "nope"}).status_code == 400
    too_long = client.post(f"/reports/{ids['moutai']}/status", data={"csrf": csrf, "status": "under_review", "note": "长" * 1001})
    assert too_long.status_code == 400 and "太长了" in too_long.text
    assert rows(console_settings, "SELECT status FROM reports WHERE id = ?", ids["moutai"]) == [("submitted",)]


def test_the_evidence_pack_downloads_audited(client: TestClient, console_settings: Settings, ids: dict[str, int]) -> None:
    sign_in(client, console_settings, ENFORCER)
    response = client.get(f"/reports/{ids['moutai']}/evidence.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as pack:
        assert "manifest.json" in pack.namelist()
    assert len(audit(console_settings, "evidence pack")) == 1


# --- exports ----------------------------------------------------------------------------------


def test_exports_stream_the_current_filter_spreadsheet_safe_and_audited(
    client: TestClient, console_settings: Settings, ids: dict[str, int]
) -> None:
    sign_in(client, console_settings, ENFORCER)
    response = client.get("/export.csv", params={"brand": "moutai"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(table) == 2 and {r["problem"] for r in table} == {"'=SUM(A1) 胶帽起皱"}
    lines = client.get("/export.jsonl", params={"q": "潮鞋"}).text.splitlines()
    assert [json.loads(line)["shop"] for line in lines] == ["潮鞋小店"]
    assert [(a, t) for a, t, _ in audit(console_settings, "export")] == [(ENFORCER, "moutai"), (ENFORCER, None)]


def test_the_console_keeps_its_links_and_sessions_in_the_bots_database(console_settings: Settings) -> None:
    seed(console_settings)
    with sqlite3.connect(console_settings.database.sqlite_path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"console_links", "console_sessions"} <= tables
