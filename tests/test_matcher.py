"""What a shopper's question is matched to: the behaviours the matcher promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.guides import load_guides
from bot.core.matcher import Match, Matcher
from bot.core.pinyin import pinyin_key
from bot.core.text import normalize

ROOT = Path(__file__).resolve().parent.parent
DEV_GUIDES = ROOT / "tests" / "data" / "eval" / "dev" / "guides"


@pytest.fixture(scope="module")
def dev() -> Matcher:
    return Matcher(load_guides(DEV_GUIDES).brands)


@pytest.fixture(scope="module")
def bundled() -> Matcher:
    return Matcher(load_guides(ROOT / "brand_guides").brands)


def tip_of(match: Match) -> tuple[str, str] | None:
    return (match.answer.brand, match.answer.tip) if match.answer else None


def test_normalisation_folds_width_case_and_script() -> None:
    assert normalize("ＳＫ－Ⅱ 神仙水") == "sk-ii 神仙水"
    assert normalize("茅台開瓶後瓶口裡") == "茅台开瓶后瓶口里"
    assert normalize("AirPods的韌體版本") == "airpods的固件版本"  # Taiwan phrasing too
    assert pinyin_key("毛台") == pinyin_key("茅台") == "mao tai"
    assert pinyin_key("投述") == pinyin_key("投诉")  # sh/s merged, as pinyin typists confuse them


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("茅台瓶盖外观怎么看真假", ("moutai", "cap-seal")),
        ("毛台的瓶盖胶帽怎么看", ("moutai", "cap-seal")),  # homophone typo of the brand
        ("周大副哪里买才是正品", ("chowtaifook", "buy-channel")),
        ("周大福的坚定证书怎么上网查", ("chowtaifook", "certificate")),  # 坚定 → 鉴定 by pinyin
        ("茅台外盒跟酒瓶上的批號對不上", ("moutai", "batch-date")),  # Traditional
        ("ＡｉｒＰｏｄｓ的序列号在哪看", ("airpods", "serial-check")),  # full-width
        ("nkie鞋舌后面的标签字体有点虚", ("nike", "inner-tag")),  # English misspelling
        ("sk-ll的批好在哪看", ("skii", "batch-code")),
        ("My AirPods won't show up in Find My. Does that mean they're fake?", ("airpods", "find-my")),
        ("无线耳机加不进iPhone的查找，只能蓝牙连上听歌", ("airpods", "find-my")),  # brand implied
        ("飞天瓶颈那两根红丝带上的字印得糊糊的", ("moutai", "bottle-label")),  # product line
    ],
)
def test_questions_find_their_tip(dev: Matcher, question: str, expected: tuple[str, str]) -> None:
    assert tip_of(dev.match(question)) == expected


@pytest.mark.parametrize(
    "question",
    [
        "香奈儿包怎么辨别真假",
        "LV老花是不是正品怎么看",
        "怎么申请退货退款",
        "我的快递三天了还没到",
        "你好",
        "真假",
        "😂😂😂",
        "asdkjhqwe",
        "",
    ],
)
def test_out_of_scope_questions_get_no_answer(dev: Matcher, question: str) -> None:
    assert dev.match(question).answer is None


def test_a_brand_we_do_not_cover_is_named_back(dev: Matcher) -> None:
    assert dev.match("香奈儿包怎么辨别真假").other_brand == "香奈儿"
    assert dev.match("Is my Gucci belt real?").other_brand == "古驰"


def test_the_shared_phrase_does_not_decide_the_tip(dev: Matcher) -> None:
    """Every question says 怎么辨别真假; the words that differ pick the tip."""
    assert tip_of(dev.match("茅台瓶口玻璃珠怎么辨别真假")) == ("moutai", "cap-seal")
    assert tip_of(dev.match("茅台酒标飘带怎么辨别真假")) == ("moutai", "bottle-label")


def test_a_brand_with_no_particular_check_gets_its_list_of_tips(dev: Matcher) -> None:
    match = dev.match("茅台酒到底怎么分辨真假")
    assert match.brand_only and match.answer is not None and match.answer.brand == "moutai"


def test_two_brands_named_without_a_check_are_both_offered(dev: Matcher) -> None:
    match = dev.match("茅台和周大福哪个好")
    assert match.brand_only
    assert {c.brand for c in (match.answer, *match.candidates) if c} == {"moutai", "chowtaifook"}


def test_close_runners_up_are_returned_as_candidates(dev: Matcher) -> None:
    match = dev.match("AirPods Pro开了降噪有杂音，序列号也查不到")
    assert match.answer is not None and match.candidates
    assert {match.answer.tip, match.candidates[0].tip} == {"sound-anc", "serial-check"}


def test_scores_are_confidences_between_zero_and_one(dev: Matcher) -> None:
    clear = dev.match("茅台瓶盖里的NFC芯片怎么用手机验证")
    vague = dev.match("飞天茅台的盒子")
    assert clear.answer is not None and vague.answer is not None
    assert 0.0 <= vague.answer.score <= clear.answer.score <= 1.0
    assert all(0.0 <= c.score <= 1.0 for c in clear.candidates)


def test_garbage_and_huge_input_never_crash(dev: Matcher) -> None:
    for text in ["\x00\x01", "<b>", "🙂" * 10000, "怎么" * 5000, "a" * 100000, "\u202e茅台", "𠀀𠀁"]:
        assert isinstance(dev.match(text), Match)


def test_bundled_guides_answer_the_readme_examples(bundled: Matcher) -> None:
    assert tip_of(bundled.match("毛台的瓶盖怎么看"))[0] == "moutai"  # type: ignore[index]
    assert bundled.match("Lafufu和正版LABUBU怎么区分").answer.brand == "popmart"  # type: ignore[union-attr]


def test_long_replies_are_split_under_telegrams_limit_without_breaking_markup() -> None:
    from bot.presenter import TELEGRAM_LIMIT, split_html

    text = "<b>标题</b>\n\n" + "\n".join(f"{n}. " + "很长的说明 &amp; 细节" * 40 for n in range(30))
    parts = split_html(text)
    assert len(parts) > 1 and all(len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(p.replace("\n", "") for p in parts) == text.replace("\n", "")
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
