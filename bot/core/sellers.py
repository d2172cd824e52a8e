"""Repeat offenders: shops and live rooms ranked by how many different shoppers reported them.

Shoppers write the same seller many ways ("XX官方旗舰店", "xx旗舰店 ", "ＸＸ 直播间"), so names are
folded (case, width, script, spaces and punctuation, shop-type words) and near-identical folded
names are merged before counting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .store.records import SellerMention
from .text import normalize

SAME_SELLER = 88  # rapidfuzz ratio above which two folded names are one seller
_SHOP_WORDS = re.compile(r"(官方|旗舰店|旗舰|专卖店|专营店|直营店|直播间|自营|店铺|小店|商城|的店|店)$")


@dataclass
class Seller:
    name: str  # the most common way it was written
    platform: str
    shoppers: set[int] = field(default_factory=set)
    reports: int = 0
    spellings: dict[str, int] = field(default_factory=dict)
    brands: set[str] = field(default_factory=set)


def fold(name: str) -> str:
    text = "".join(ch for ch in normalize(name) if ch.isalnum())
    previous = None
    while previous != text:  # "官方旗舰店" takes two passes
        previous, text = text, _SHOP_WORDS.sub("", text)
    return text or "".join(ch for ch in normalize(name) if ch.isalnum())


def rank_sellers(mentions: Iterable[SellerMention]) -> list[Seller]:
    """The seller of every report → sellers, most shoppers first."""
    sellers: list[tuple[str, Seller]] = []
    by_key: dict[str, Seller] = {}
    for mention in mentions:
        key, spelling = fold(mention.shop), mention.shop.strip()
        seller = by_key.get(key) or _similar(sellers, key)
        if seller is None:
            seller = Seller(spelling, mention.platform)
            sellers.append((key, seller))
        by_key[key] = seller
        seller.shoppers.add(mention.user_id)
        seller.reports += 1
        seller.spellings[spelling] = seller.spellings.get(spelling, 0) + 1
        if mention.brand:
            seller.brands.add(mention.brand)
    for _, seller in sellers:
        seller.name = max(seller.spellings, key=lambda s: seller.spellings[s])
    return sorted((s for _, s in sellers), key=lambda s: (-len(s.shoppers), -s.reports, s.name))


def _similar(sellers: list[tuple[str, Seller]], key: str) -> Seller | None:
    best = max(sellers, key=lambda item: fuzz.ratio(key, item[0]), default=None)
    return best[1] if best is not None and fuzz.ratio(key, best[0]) >= SAME_SELLER else None
