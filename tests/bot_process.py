"""`authbot run` in a process of its own, for the tests that kill it (tests/test_failover.py).

``python tests/bot_process.py`` is ``authbot run``. With ``--die-after-commit`` the process kills
itself with SIGKILL the moment a report's transaction has committed, before the reply that
carries its reference: the exact point of the issue's crash, with nothing flushed or closed.
"""

from __future__ import annotations

import os
import signal
import sys

from bot import cli
from bot.handlers import reports
from bot.handlers.common import Context


async def _die(context: Context) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    if "--die-after-commit" in sys.argv[1:]:
        reports._after_commit = _die
    sys.exit(cli.main(["run"]))
