"""Nothing found: what a use case raises when what was asked for does not exist, or is not the
actor's to see (a brand-scoped team asking about another brand's report hears the same as for a
report that does not exist, so a refusal never reveals that it does)."""

from __future__ import annotations


class NotFound(LookupError):
    """Nothing by that name or number, as far as the actor may know."""


class UnknownBrand(NotFound):
    def __init__(self, brand_id: str):
        super().__init__(f"no brand {brand_id}")
        self.brand_id = brand_id


class UnknownVersion(NotFound):
    def __init__(self, brand_id: str, version: int):
        super().__init__(f"{brand_id} has no version {version}")
        self.brand_id, self.version = brand_id, version


class UnknownReport(NotFound):
    def __init__(self, reference: str):
        super().__init__(f"no report {reference}")
        self.reference = reference


class PhrasingGone(NotFound):
    """The missed phrasing was dealt with already (or its tip is gone)."""

    def __init__(self, key: str):
        super().__init__(f"phrasing {key} was already dealt with")
        self.key = key
