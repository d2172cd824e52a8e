"""The report fields as a shopper types them (price, date, link or 口令), checked one by one,
and the status lifecycle checked move by move. Pure functions: no bot, no database."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bot.core.reports import (
    LIMITS,
    Draft,
    FieldError,
    InvalidTransition,
    Photo,
    Status,
    check_transition,
    clean_text,
    missing_fields,
    parse_date,
    parse_link,
    parse_order_number,
    parse_price,
    reference,
)

# --- price --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1299", 129900),
        ("¥1,299.00", 129900),
        ("1299元", 129900),
        ("￥ 88", 8800),  # full-width yen sign, a space after it
        ("1，299", 129900),  # full-width comma from a Chinese keyboard
        ("1299块", 129900),
        ("1299 RMB", 129900),
        ("3999cny", 399900),
        ("1299.5", 129950),
        ("$12.34", 1234),
        ("  0  ", 0),  # a gift: zero is a price
        ("１２９９", 129900),  # full-width digits
        ("10000000", 1_000_000_000),  # the ceiling itself is accepted
    ],
)
def test_a_price_is_read_in_fen(typed: str, fen: int) -> None:
    assert parse_price(typed) == fen


@pytest.mark.parametrize("typed", ["-5", "¥-5", "-1,299元", "-0.01"])
def test_a_negative_price_is_refused_as_negative(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_price(typed)
    assert refused.value.key == "negative_price"


@pytest.mark.parametrize(
    "typed",
    ["很贵", "", "abc", "12.345", "1299美元", "1e5", "¥ 1 299", "1299元元", "10000000.01", "99999999999"],
)
def test_a_price_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_price(typed)
    assert refused.value.key == "bad_price"


# --- purchase date ------------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("2026-11-20", "2026-11-20"),
        ("2026/11/20", "2026-11-20"),
        ("2026.11.20", "2026-11-20"),
        ("2026年11月20日", "2026-11-20"),
        ("2026 年 11 月 20 日", "2026-11-20"),
        ("11月20日", "2026-11-20"),  # no year: this year
        ("11月20号", "2026-11-20"),
        ("11-20", "2026-11-20"),
        ("2026-11-30", "2026-11-30"),  # today itself
        ("今天", "2026-11-30"),
        ("昨天", "2026-11-29"),
        ("昨日", "2026-11-29"),
        ("前天", "2026-11-28"),
        ("Yesterday", "2026-11-29"),
        ("2000-01-01", "2000-01-01"),
    ],
)
def test_a_purchase_date_is_read_as_iso(typed: str, iso: str) -> None:
    assert parse_date(typed, today=TODAY) == iso


def test_a_day_without_a_year_that_is_still_ahead_means_last_year() -> None:
    assert parse_date("12月30日", today=dt.date(2027, 1, 15)) == "2026-12-30"
    assert parse_date("1月10日", today=dt.date(2027, 1, 15)) == "2027-01-10"


def test_relative_days_count_back_from_the_real_today_by_default() -> None:
    assert parse_date("昨天") == (dt.date.today() - dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("typed", ["2026-12-01", "2999-01-01", "2026年12月1日"])
def test_a_date_in_the_future_is_refused(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_date(typed, today=TODAY)
    assert refused.value.key == "future_date"


@pytest.mark.parametrize(
    "typed", ["上辈子", "", "明天", "2026-02-30", "13月1日", "11月32日", "1999-12-31", "20261120", "2026-11"]
)
def test_a_date_that_is_not_one_is_refused(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_date(typed, today=TODAY)
    assert refused.value.key == "bad_date"


# --- link or share code (口令) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://v.douyin.com/abc123/",
        "http://example.com/item?id=1",
        "https://haohuo.jinritemai.com/views/product/item2?id=3579&origin_type=604",
        "HTTPS://Shop.Example.com/x",
    ],
)
def test_a_plain_link_is_kept_as_the_link_with_no_share_text(url: str) -> None:
    assert parse_link(f"  {url}  ") == (url, None)


def test_a_douyin_share_blob_keeps_both_its_link_and_its_text() -> None:
    blob = "7.43 复制打开抖音，看看【酒水特卖的作品】飞天茅台53度 # 白酒 https://v.douyin.com/iRNBhJxF/ Mdu:/ 04/12 "
    link, share = parse_link(blob)
    assert link == "https://v.douyin.com/iRNBhJxF/"
    assert share == blob.strip()  # the text names the live room; nothing of it is lost


@pytest.mark.parametrize(
    ("typed", "link"),
    [
        ("看这个 https://example.com/item. ", "https://example.com/item"),  # a sentence's full stop is not the link's
        ("链接：https://shop.example.cn/p?id=9，快看", "https://shop.example.cn/p?id=9"),  # Chinese punctuation ends it
        ("（https://example.com/a）", "https://example.com/a"),
    ],
)
def test_a_link_inside_text_stops_at_the_punctuation_around_it(typed: str, link: str) -> None:
    found, share = parse_link(typed)
    assert found == link and share == typed.strip()


def test_a_share_code_without_a_link_is_kept_as_the_code() -> None:
    code = "9👈复制这段话￥AbCdEf123￥打开抖音"
    assert parse_link(code) == (None, code)


@pytest.mark.parametrize(
    "typed",
    [
        "htp:/not a link",
        "www.",
        "www.example.com",
        "http://localhost",
        "https://.example.com",
        "ftp://example.com/x",
        "http://exa mple.com",
        "file:///etc/passwd",
    ],
)
def test_something_that_tries_to_be_a_link_and_is_not_is_refused_as_a_bad_url(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_link(typed)
    assert refused.value.key == "bad_url"


@pytest.mark.parametrize("typed", ["???", "a b", "。。。", "", "👍👍👍👍"])
def test_too_little_to_be_a_share_code_is_refused(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_link(typed)
    assert refused.value.key == "bad_link_or_code"


def test_a_link_or_code_longer_than_the_limit_is_refused_with_the_numbers() -> None:
    limit = LIMITS["share_code"]
    assert parse_link("码" * limit) == (None, "码" * limit)
    with pytest.raises(FieldError) as refused:
        parse_link("码" * (limit + 1))
    assert refused.value.key == "field_too_long" and refused.value.values == {"limit": limit, "length": limit + 1}


# --- the other answers --------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "kept"), [("DY20261120001", "DY20261120001"), (" 6921 1680 ", "69211680"), ("a_b-C", "a_b-C")])
def test_an_order_number_is_kept_without_spaces(typed: str, kept: str) -> None:
    assert parse_order_number(typed) == kept


@pytest.mark.parametrize("typed", ["#", "abc", "订单123456", "A" * 65, "12 34#5"])
def test_an_order_number_that_cannot_be_one_is_refused(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_order_number(typed)
    assert refused.value.key == "bad_order_number"


def test_free_text_is_tidied_checked_for_length_and_required_unless_optional() -> None:
    assert clean_text("  酒水   特卖\n直播间 ", "shop") == "酒水 特卖 直播间"
    assert clean_text("  第一行\n第二行  ", "problem") == "第一行\n第二行"  # the problem keeps its lines
    assert clean_text("   ", "shop", required=False) is None
    with pytest.raises(FieldError) as required:
        clean_text("  \n ", "product")
    assert required.value.key == "field_required"
    with pytest.raises(FieldError) as too_long:
        clean_text("x" * (LIMITS["order_number"] + 1), "order_number")
    assert too_long.value.key == "field_too_long" and too_long.value.values["limit"] == LIMITS["order_number"]


def test_a_draft_survives_json_and_says_what_is_still_missing() -> None:
    draft = Draft(brand="moutai", product="飞天", photos=[Photo("ab" * 32, "fid", "uid", 123)])
    assert missing_fields(draft) == ["platform", "shop", "problem", "official_check", "consent"]
    data = draft.to_json() | {"field_from_a_newer_release": 1}
    restored = Draft.from_json(data)
    assert restored == draft and isinstance(restored.photos[0], Photo)
    done = Draft(
        brand_other="某小众品牌",
        product="p",
        platform="offline",
        shop="s",
        problem="x",
        official_check="not_tried",
        consent=False,
    )
    assert missing_fields(done) == []  # a shopper who declines contact has still answered


def test_a_reference_is_the_year_and_six_digits() -> None:
    assert reference(123, 2026) == "FW-2026-000123"
    assert reference(1_234_567, 2027) == "FW-2027-1234567"


# --- the status lifecycle -----------------------------------------------------------------------

# Written out from the enforcement process, not read from bot.core.reports.TRANSITIONS: a change
# to the lifecycle must change this list too.
ALLOWED = {
    ("submitted", "under_review"),
    ("submitted", "closed"),
    ("under_review", "confirmed_counterfeit"),
    ("under_review", "not_counterfeit"),
    ("under_review", "need_more_info"),
    ("need_more_info", "under_review"),
    ("need_more_info", "closed"),
    ("confirmed_counterfeit", "forwarded"),
    ("confirmed_counterfeit", "closed"),
    ("not_counterfeit", "closed"),
    ("forwarded", "closed"),
}
STATUSES = [
    "submitted",
    "under_review",
    "confirmed_counterfeit",
    "not_counterfeit",
    "need_more_info",
    "forwarded",
    "closed",
]
EVERY_MOVE = list(itertools.product(STATUSES, STATUSES))


def test_the_statuses_are_the_ones_the_lifecycle_is_written_for() -> None:
    assert sorted(s.value for s in Status) == sorted(STATUSES)


@pytest.mark.parametrize(("current", "wanted"), sorted(ALLOWED))
def test_every_allowed_move_is_accepted(current: str, wanted: str) -> None:
    moved = check_transition(current, wanted)
    assert moved is Status(wanted)


@pytest.mark.parametrize(("current", "wanted"), [m for m in EVERY_MOVE if m not in ALLOWED])
def test_every_other_move_is_refused_and_says_what_is_allowed(current: str, wanted: str) -> None:
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current, wanted)
    assert (refused.value.current, refused.value.wanted) == (Status(current), Status(wanted))
    message = str(refused.value)
    assert f"is {current} cannot become {wanted}" in message
    allowed_from_here = sorted(w for c, w in ALLOWED if c == current)
    assert message.endswith(", ".join(allowed_from_here) if allowed_from_here else "nothing (it is closed)")


@pytest.mark.parametrize(("current", "wanted"), [("submitted", "deleted"), ("archived", "closed"), ("SUBMITTED", "under_review")])
def test_a_status_that_does_not_exist_is_refused(current: str, wanted: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_transition(current, wanted)
    assert not isinstance(refused.value, InvalidTransition)


@pytest.mark.parametrize("typed", ["1,2,3", "12,34", "1,2345", ",123"])
def test_thousands_separators_must_stand_where_they_belong(typed: str) -> None:
    with pytest.raises(FieldError):
        parse_price(typed)


@pytest.mark.parametrize("typed", ["javascript:alert(1)", "JavaScript:void(0)//abc", "data:text/html,hello"])
def test_a_script_or_data_link_is_not_taken_for_a_share_code(typed: str) -> None:
    with pytest.raises(FieldError):
        parse_link(typed)
