"""The core's use cases on their own, as the Telegram handlers, the CLI and a web console call
them: one permission check, typed results, and each change audited with it or not at all."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.guides import load_guide
from bot.core.library import GuideLibrary, tip_ref
from bot.core.reports import Draft, Status
from bot.core.roles import Grant, Role
from bot.core.services import Actor, Forbidden, Privilege, Services
from bot.core.services import guides as guide_service
from bot.core.services.errors import PhrasingGone, UnknownReport
from bot.core.services.guides import Published, Refusal, Refused
from bot.core.store import Store
from bot.core.store.reports import ReportFilter

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor(1, configured_admin=True)
MOUTAI_STAFF = Actor(2, (Grant(2, Role.STAFF, "moutai"),))
MOUTAI_TEAM = Actor(3, (Grant(3, Role.ENFORCEMENT, "moutai"),))


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    guides = tmp_path / "guides"
    guides.mkdir()
    for name in ("moutai.yaml", "wuliangye.yaml", "nike.yaml"):
        shutil.copy(ROOT / "brand_guides" / name, guides / name)
    store = await Store.open(tmp_path / "data" / "authbot.sqlite3")
    yield Services(store, GuideLibrary.open(guides), tmp_path / "data", tmp_path / "data" / "authbot.sqlite3", frozenset({1}))
    await store.close()


def test_the_permission_check_is_one_rule_for_every_privilege() -> None:
    assert MOUTAI_STAFF.may(Privilege.EDIT_GUIDE, "moutai") and not MOUTAI_STAFF.may(Privilege.EDIT_GUIDE, "nike")
    assert MOUTAI_STAFF.may(Privilege.EDIT_GUIDE) and not MOUTAI_STAFF.may(Privilege.ENFORCE)
    assert (
        MOUTAI_TEAM.may(Privilege.ENFORCE)
        and MOUTAI_TEAM.may(Privilege.ENFORCE, "moutai")
        and not MOUTAI_TEAM.may(Privilege.ENFORCE, "nike")
    )
    assert MOUTAI_TEAM.sees("moutai") and not MOUTAI_TEAM.sees(None) and ADMIN.sees(None)
    for privilege in Privilege:
        assert ADMIN.may(privilege, "nike") and Actor.operator().may(privilege)
        with pytest.raises(Forbidden) as refused:
            Actor(9).require(privilege, "nike")
        assert (refused.value.privilege, refused.value.brand) == (privilege, "nike")


async def test_publishing_says_which_version_it_made_and_who_may_publish(services: Services) -> None:
    moutai = (services.library.directory / "moutai.yaml").read_bytes()
    changed = moutai.replace("title: 看红胶帽".encode(), "title: 细看红胶帽".encode(), 1)
    first = await services.guides.publish(MOUTAI_STAFF, changed, "moutai.yaml")
    assert isinstance(first, Published) and first.version == 1 and first.changes.changed == ("capsule-cap",)
    again = await services.guides.publish(MOUTAI_STAFF, moutai, "moutai.yaml")
    assert isinstance(again, Published) and again.version == 2
    assert await services.guides.publish(MOUTAI_STAFF, moutai, "moutai.yaml") == Refused(Refusal.UNCHANGED)
    with pytest.raises(Forbidden) as not_theirs:
        await services.guides.publish(MOUTAI_STAFF, (services.library.directory / "nike.yaml").read_bytes(), "nike.yaml")
    assert not_theirs.value.privilege is Privilege.EDIT_GUIDE
    new_brand = moutai.replace(b"id: moutai", b"id: newbrand", 1).replace(
        "name: 贵州茅台 Kweichow Moutai".encode(), "name: 新牌".encode()
    )
    new_brand = new_brand.replace(
        "aliases: [茅台, 飞天茅台, 飞天, 茅台酒, 贵州茅台酒, 五星茅台, 53度飞天, i茅台, Moutai, Kweichow Moutai]".encode(),
        "aliases: [新牌子]".encode(),
    )
    with pytest.raises(Forbidden) as new:
        await services.guides.publish(MOUTAI_STAFF, new_brand, "newbrand.yaml")
    assert new.value.privilege is Privilege.ADD_BRAND
    assert isinstance(await services.guides.publish(ADMIN, new_brand, "newbrand.yaml"), Published)
    audited = await services.store.database.fetch_all("SELECT actor, action, target, detail FROM audit ORDER BY id")
    assert [tuple(r) for r in audited] == [
        (2, "guide", "moutai", "v1 upload"),
        (2, "guide", "moutai", "v2 upload"),
        (1, "guide", "newbrand", "v1 upload"),
    ]


async def test_a_failed_install_keeps_no_version_and_serves_the_old_guide(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(guide_service, "install", full_disk)
    moutai = (services.library.directory / "moutai.yaml").read_bytes()
    with pytest.raises(OSError):
        await services.guides.publish(
            MOUTAI_STAFF, moutai.replace("title: 看红胶帽".encode(), "title: 新标题".encode(), 1), "moutai.yaml"
        )
    assert await services.store.guides.versions("moutai") == []
    assert services.library.catalog.brand("moutai").tip("capsule-cap").title == "看红胶帽、瓶盖和瓶头喷码"  # type: ignore[union-attr]


async def test_a_phrasing_counts_as_dealt_with_only_when_its_guide_is_published(services: Services) -> None:
    await services.store.answers.record_unanswered("茅台可以放冰箱吗", 0.2, "moutai")
    [phrasing] = await services.store.answers.missed_phrasings("moutai")
    nike = services.library.directory / "nike.yaml"  # on disk since the last start: nike claims 茅台 too
    nike.write_text(nike.read_text(encoding="utf-8").replace("aliases: [", "aliases: [茅台, ", 1), encoding="utf-8")
    services.library.publish(load_guide(nike))
    refused = await services.guides.add_phrasing(MOUTAI_STAFF, phrasing.key, tip_ref("moutai", "capsule-cap"))
    assert isinstance(refused, Refused) and refused.reason is Refusal.NAME_TAKEN
    assert "is already a name of nike" in str(refused.errors[0])
    assert await services.store.answers.missed_phrasings("moutai") == [phrasing]  # still to be dealt with
    nike.write_text(nike.read_text(encoding="utf-8").replace("aliases: [茅台, ", "aliases: [", 1), encoding="utf-8")
    services.library.publish(load_guide(nike))
    added = await services.guides.add_phrasing(MOUTAI_STAFF, phrasing.key, tip_ref("moutai", "capsule-cap"))
    assert not isinstance(added, Refused) and added.published.version == 1 and added.tip.id == "capsule-cap"
    assert await services.store.answers.missed_phrasings("moutai") == []
    with pytest.raises(PhrasingGone):
        await services.guides.add_phrasing(MOUTAI_STAFF, phrasing.key, tip_ref("moutai", "capsule-cap"))


async def test_a_scoped_team_hears_the_same_for_another_brands_report_as_for_none(services: Services, tmp_path: Path) -> None:
    draft = Draft(
        brand="nike", product="AJ1", platform="offline", shop="某店", problem="鞋标", official_check="failed", consent=True
    )
    nike_report = (await services.reports.submit(7, 7, draft)).reference
    for reference in (nike_report, "FW-2026-999999"):
        with pytest.raises(UnknownReport) as unknown:
            await services.evidence.pack(MOUTAI_TEAM, reference, tmp_path)
        assert str(unknown.value) == f"no report {reference}"
        with pytest.raises(UnknownReport):
            await services.enforcement.change_status(MOUTAI_TEAM, reference, Status.UNDER_REVIEW, None)
    pack = await services.evidence.pack(ADMIN, nike_report.lower(), tmp_path)
    assert pack.path == tmp_path / f"{nike_report}-evidence.zip" and pack.path.exists()
    with pytest.raises(Forbidden):
        await services.exports.export(MOUTAI_TEAM, ReportFilter(frozenset({"nike"})), {"csv": tmp_path / "x.csv"})
    summary = await services.exports.export(MOUTAI_TEAM, ReportFilter(), {"csv": tmp_path / "mine.csv"})
    assert summary.count == 0 and summary.scope.brands == frozenset({"moutai"})
    audited = await services.store.database.fetch_all("SELECT actor, action FROM audit ORDER BY id")
    assert [tuple(r) for r in audited] == [(1, "evidence pack"), (3, "export")]
