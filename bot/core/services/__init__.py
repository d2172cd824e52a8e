"""The use cases, transport-free: what the Telegram handlers, the ``authbot`` command line and
(later) a web console all call. A front door parses input, builds the :class:`Actor`, calls a
service, and renders the typed result; refusals come back as :class:`Forbidden` and
:class:`NotFound` (or a result such as ``Refused``), never as a silent ``return``.

- :mod:`.access` — the Actor and the one permission check;
- :mod:`.guides` — publishing tip files (upload, rollback, a shopper's phrasing), history, missed phrasings;
- :mod:`.reports` — shoppers reporting a suspected fake;
- :mod:`.enforcement` — listing, opening and moving reports, repeat-offending sellers;
- :mod:`.exports` — CSV/JSONL exports; :mod:`.evidence` — evidence packs;
- :mod:`.roles` — granting and revoking roles; :mod:`.console` — signing in to the web console;
- :mod:`.dashboard` — the enforcement dashboard's figures.
"""

from __future__ import annotations

from pathlib import Path

from ..library import GuideLibrary
from ..store import Store
from ..store.url import DatabaseURL
from .access import Actor, Forbidden, Privilege, actor_of
from .console import ConsoleService
from .dashboard import DashboardService
from .enforcement import EnforcementService
from .errors import NotFound
from .evidence import EvidenceService
from .exports import ExportService
from .guides import GuideService
from .reports import ReportService
from .roles import RoleService

__all__ = ["Actor", "Forbidden", "NotFound", "Privilege", "Services"]


class Services:
    """Every use case over one database and one guide library."""

    def __init__(
        self,
        store: Store,
        library: GuideLibrary,
        data_dir: Path,
        database: DatabaseURL,
        admin_ids: frozenset[int],
        console_url: str | None = None,
    ):
        self.store = store
        self.library = library
        self._admin_ids = admin_ids
        self.guides = GuideService(store, library)
        self.reports = ReportService(store, data_dir)
        self.enforcement = EnforcementService(store, data_dir, self._known_brand)
        self.exports = ExportService(store, database)
        self.evidence = EvidenceService(store, data_dir)
        self.roles = RoleService(store, self._known_brand, admin_ids)
        self.console = ConsoleService(store, admin_ids, console_url)
        self.dashboard = DashboardService(store, self._known_brand)

    async def actor(self, user_id: int) -> Actor:
        """The user's roles right now (looked up for every privileged action)."""
        return await actor_of(self.store, user_id, self._admin_ids)

    def _known_brand(self, brand_id: str) -> bool:
        return self.library.catalog.brand(brand_id) is not None
