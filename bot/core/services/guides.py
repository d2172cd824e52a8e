"""Brand staff's use cases: publish a tip file (an upload, a rollback, a shopper's phrasing added
to a tip), see the versions and the file in service, and deal with the phrasings the guide missed.

Publishing validates the file, checks the actor may edit the brand (or add it), refuses names
another brand owns and a file identical to the one in service, then keeps the version, installs
the file and audits it in one transaction, and only then serves it (the new index is built
aside and swapped in: no moment without answers).
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from ..guides import Brand, GuideError, GuideInvalid, Tip, parse_guide
from ..library import GuideLibrary
from ..phrasings import Cluster, group_similar
from ..publishing import Changes, add_question, changes, install, name_clash_errors
from ..store import Store
from ..store.answers import write_resolved
from ..store.db import Transaction
from ..store.records import GuideVersion
from .access import Actor, Privilege
from .errors import PhrasingGone, UnknownBrand, UnknownVersion


class Refusal(StrEnum):
    INVALID = "invalid"  # the file has errors (listed)
    NAME_TAKEN = "name taken"  # a name or alias belongs to another brand (listed)
    UNCHANGED = "unchanged"  # exactly the version in service


@dataclass(frozen=True, slots=True)
class Published:
    brand: Brand
    version: int
    changes: Changes


@dataclass(frozen=True, slots=True)
class Refused:
    """Nothing was published; ``errors`` say why, one per line of the file."""

    reason: Refusal
    errors: tuple[GuideError, ...] = ()


Publication = Published | Refused


@dataclass(frozen=True, slots=True)
class PhrasingAdded:
    published: Published
    tip: Tip
    question: str


@dataclass(frozen=True, slots=True)
class MissedPhrasing:
    """One grouped wording the guide missed, and the brand it was about."""

    brand: Brand
    cluster: Cluster


@dataclass(frozen=True, slots=True)
class GuideHistory:
    brand: Brand
    versions: tuple[GuideVersion, ...]  # newest first


@dataclass(frozen=True, slots=True)
class GuideFile:
    name: str
    content: bytes


class GuideService:
    def __init__(self, store: Store, library: GuideLibrary):
        self._store = store
        self._library = library

    # --- publishing ----------------------------------------------------------------------------

    async def publish(self, actor: Actor, data: bytes, filename: str) -> Publication:
        """An uploaded tip file."""
        return await self._publish(actor, data, filename, "upload")

    async def rollback(self, actor: Actor, brand_id: str, version: int) -> Publication:
        """Serve an earlier version's content again, recorded as a new version."""
        self._editable(actor, brand_id)
        content = await self._store.guides.content(brand_id, version)
        if content is None:
            raise UnknownVersion(brand_id, version)
        return await self._publish(actor, content, f"{brand_id}.yaml", f"rollback to v{version}")

    async def add_phrasing(self, actor: Actor, key: str, tip_ref: str) -> PhrasingAdded | Refused:
        """Add a missed wording to a tip's questions and publish; it counts as dealt with only if published."""
        found = self._library.catalog.by_ref(tip_ref)
        if found is None:
            raise PhrasingGone(key)
        brand, tip = found
        missed = await self.missed_phrasing(actor, brand.id, key)
        current = (self._library.directory / f"{brand.id}.yaml").read_bytes()
        question = missed.cluster.question

        async def resolve(tx: Transaction) -> None:
            await write_resolved(tx, missed.cluster.keys, actor.user_id, "add phrasing", f"{brand.id}/{tip.id}: {question}")

        result = await self._publish(
            actor, add_question(current, tip.id, question), f"{brand.id}.yaml", f"phrasing → {tip.id}", resolve
        )
        return PhrasingAdded(result, tip, question) if isinstance(result, Published) else result

    async def _publish(
        self, actor: Actor, data: bytes, filename: str, note: str, also: Callable[[Transaction], Awaitable[None]] | None = None
    ) -> Publication:
        try:
            brand = parse_guide(data, filename)
        except GuideInvalid as invalid:
            return Refused(Refusal.INVALID, tuple(invalid.errors))
        catalog = self._library.catalog
        current = catalog.brand(brand.id)
        actor.require(
            Privilege.EDIT_GUIDE if current is not None else Privilege.ADD_BRAND, brand.id
        )  # checked now, not at upload
        clashes = name_clash_errors(data, filename, brand, catalog.brands)
        if clashes:
            return Refused(Refusal.NAME_TAKEN, tuple(clashes))
        diff = changes(current, brand)
        if current is not None and diff.nothing:
            return Refused(Refusal.UNCHANGED)

        async def install_it(tx: Transaction) -> None:
            if also is not None:
                await also(tx)
            await asyncio.to_thread(install, self._library.directory, brand.id, data)

        version = await self._store.guides.add_version(brand.id, data, actor.user_id, note, before_commit=install_it)
        await asyncio.to_thread(self._library.publish, brand)
        return Published(brand, version, diff)

    # --- what staff look at --------------------------------------------------------------------

    async def history(self, actor: Actor, brand_id: str) -> GuideHistory:
        brand = self._editable(actor, brand_id)
        return GuideHistory(brand, tuple(await self._store.guides.versions(brand_id)))

    def file_in_service(self, actor: Actor, brand_id: str) -> GuideFile:
        self._editable(actor, brand_id)
        path = self._library.directory / f"{brand_id}.yaml"
        return GuideFile(path.name, path.read_bytes())

    async def missed_phrasings(self, actor: Actor, brand_id: str) -> tuple[Brand, list[Cluster]]:
        """What shoppers asked about the brand without a good answer, grouped, the most asked first."""
        brand = self._editable(actor, brand_id)
        return brand, group_similar(await self._store.answers.missed_phrasings(brand_id))

    async def missed_phrasing(self, actor: Actor, brand_id: str, key: str) -> MissedPhrasing:
        """The group holding the wording ``key``, if it is still to be dealt with."""
        brand, clusters = await self.missed_phrasings(actor, brand_id)
        cluster = next((c for c in clusters if key in c.keys), None)
        if cluster is None:
            raise PhrasingGone(key)
        return MissedPhrasing(brand, cluster)

    async def dismiss_phrasing(self, actor: Actor, brand_id: str, key: str) -> str:
        """Mark a group of wordings dealt with without changing the guide; returns the wording."""
        missed = await self.missed_phrasing(actor, brand_id, key)
        question = missed.cluster.question
        await self._store.answers.resolve_phrasings(
            missed.cluster.keys, actor.user_id, "dismiss phrasing", f"{brand_id}: {question}"
        )
        return question

    def _editable(self, actor: Actor, brand_id: str) -> Brand:
        """The brand, if the actor may edit it (refused first: no hint of which brands exist)."""
        actor.require(Privilege.EDIT_GUIDE, brand_id)
        brand = self._library.catalog.brand(brand_id)
        if brand is None:
            raise UnknownBrand(brand_id)
        return brand

    # --- what the web console adds ------------------------------------------------------------

    def editable_brands(self, actor: Actor) -> list[Brand]:
        """The brands whose guide the actor may edit (raises Forbidden if none)."""
        actor.require(Privilege.EDIT_GUIDE)
        return [b for b in self._library.catalog.brands if actor.may(Privilege.EDIT_GUIDE, b.id)]

    async def diff(self, actor: Actor, brand_id: str, old: int, new: int) -> list[str]:
        """The unified diff between two installed versions of the brand's file, line by line."""
        self._editable(actor, brand_id)
        texts = []
        for version in (old, new):
            content = await self._store.guides.content(brand_id, version)
            if content is None:
                raise UnknownVersion(brand_id, version)
            texts.append(content.decode("utf-8", "replace").splitlines())
        name = f"{brand_id}.yaml"
        return list(difflib.unified_diff(texts[0], texts[1], f"{name} v{old}", f"{name} v{new}", lineterm=""))

    async def tip_votes(self, actor: Actor, brand_id: str) -> dict[str, tuple[int, int]]:
        """👍 and 👎 per tip of the brand (one each per shopper), by tip id."""
        self._editable(actor, brand_id)
        return await self._store.answers.tip_votes(brand_id)
