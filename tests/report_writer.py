"""Writes reports as fast as it can and prints each reference once it is committed.

Run by tests/test_crash.py, which kills it with SIGKILL at random moments: every reference
printed here is a promise the database must keep.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.core.reports import Draft, Photo
from bot.core.store import Store


async def main(database: Path, start: int) -> None:
    store = await Store.open(database)
    n = start
    while True:
        draft = Draft(
            brand="moutai",
            product=f"飞天 {n}",
            platform="douyin_live",
            shop="直播间",
            problem="胶帽起皱" * 20,
            official_check="failed",
            consent=True,
            order_number=f"ORDER{n:08d}",
            photos=[Photo(f"{n:064x}", f"file{n}", f"u{n}", 1024)],
        )
        submitted = await store.reports.submit(user_id=n, chat_id=n, draft=draft)  # a new shopper each time: no hourly limit
        sys.stdout.write(submitted.reference + "\n")
        sys.stdout.flush()
        n += 1


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
