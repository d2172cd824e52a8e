"""``authbot``: the one command line for the bot, its tools and its operators.

Every user mistake (a missing directory, an unreadable file, a bad setting) ends as one line on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .config import ConfigError, Settings, check_database_url, load_settings
from .core.guides import Brand, GuideInvalid, GuidesNotFound, load_guide
from .core.reports import Status

if TYPE_CHECKING:  # the matcher's dictionaries and the database load only for the commands that use them
    from .core.library import Catalog
    from .core.store import Store
    from .core.store.records import ReportRecord

T = TypeVar("T")

EXIT_USAGE = 2


class UserError(Exception):
    """A mistake the user can fix; printed as one line."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        settings = load_settings()
        if getattr(args, "guides", None):
            settings = settings.with_overrides(guides_dir=Path(args.guides))
        if getattr(args, "database", None):
            settings = settings.with_overrides(database_url=check_database_url(args.database))
        status: int = args.handler(args, settings)
        return status
    except (UserError, ConfigError, GuidesNotFound) as exc:
        print(f"authbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `authbot match | head`
        return 0


def _parser() -> argparse.ArgumentParser:
    guides = argparse.ArgumentParser(add_help=False)
    guides.add_argument(
        "--guides",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="tip files directory (default ./brand_guides or AUTHBOT_GUIDES_DIR)",
    )
    parser = argparse.ArgumentParser(
        prog="authbot", parents=[guides], description="防伪dou知道: answer shoppers' authenticity questions from brand tip files."
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[guides], help="answer one question as a shopper would see it")
    ask.add_argument("question", nargs="+", help="the question, e.g. 茅台瓶盖怎么看真假")
    ask.set_defaults(handler=cmd_ask)

    match = sub.add_parser("match", parents=[guides], help="batch matching: questions on stdin, JSON lines on stdout")
    match.add_argument("--top", type=_positive, default=3, metavar="K", help="candidates per question (default 3)")
    match.set_defaults(handler=cmd_match)

    validate = sub.add_parser("validate", help="check tip files; print every error as file:line: field: message")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="tip files or directories of them")
    validate.set_defaults(handler=cmd_validate)

    evaluate = sub.add_parser("eval", parents=[guides], help="measure matching on labelled questions (JSON lines)")
    evaluate.add_argument("questions", metavar="QUESTIONS.jsonl")
    evaluate.add_argument("--misses", action="store_true", help="also list every question answered wrongly")
    evaluate.set_defaults(handler=cmd_eval)

    run = sub.add_parser("run", parents=[guides], help="run the bot on Telegram (long polling, or --webhook-url)")
    run.add_argument(
        "--api-url", metavar="URL", help="Bot API base URL, token appended (e.g. http://127.0.0.1:8081/bot); default Telegram's"
    )
    run.add_argument("--webhook-url", metavar="URL", help="public HTTPS URL Telegram posts updates to (webhook mode)")
    run.add_argument("--listen", default="127.0.0.1", metavar="ADDR", help="webhook server address (default 127.0.0.1)")
    run.add_argument("--port", type=_positive, default=8443, help="webhook server port (default 8443)")
    run.add_argument("--secret-token", metavar="S", help="webhook secret (default: random per start)")
    run.set_defaults(handler=cmd_run)

    shell = sub.add_parser("shell", parents=[guides], help="the bot offline: the terminal is the chat, no token needed")
    shell.add_argument("--user", type=int, default=1, metavar="ID", help="your Telegram user id in the shell (default 1)")
    shell.add_argument("--name", default="你", help="your display name")
    shell.set_defaults(handler=cmd_shell)

    web = sub.add_parser("web", parents=[guides], help="the web console for enforcement teams (sign in with /console in the bot)")
    web.add_argument("--listen", metavar="ADDR", help="address to listen on (default 127.0.0.1 or web_listen)")
    web.add_argument("--port", type=_positive, help="port (default 8080 or web_port)")
    web.add_argument("--console-url", metavar="URL", help="public address sign-in links start with (default console_url)")
    web.set_defaults(handler=cmd_web)

    roles = sub.add_parser("roles", help="list, grant and revoke roles (admin, staff BRAND, enforcement [BRAND])")
    roles.add_argument("action", choices=["list", "grant", "revoke"])
    roles.add_argument("user_id", type=int, nargs="?")
    roles.add_argument("role", nargs="?", choices=["admin", "staff", "enforcement"])
    roles.add_argument("brand", nargs="?")
    roles.set_defaults(handler=cmd_roles)

    exporting = sub.add_parser("export", help="reports as CSV (Excel-safe, UTF-8 with BOM) or JSONL, streamed")
    exporting.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    exporting.add_argument("--brand", action="append", help="only this brand (repeatable)")
    exporting.add_argument("--status", choices=[s.value for s in Status])
    exporting.add_argument("--since", type=_date, metavar="YYYY-MM-DD")
    exporting.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="inclusive")
    exporting.add_argument("--out", required=True, metavar="FILE")
    exporting.set_defaults(handler=cmd_export)

    pack = sub.add_parser("evidence", help="an evidence pack (zip with SHA-256 manifest), or --verify one")
    pack.add_argument("reference", nargs="?", help="e.g. FW-2026-000123")
    pack.add_argument("--out", metavar="FILE.zip")
    pack.add_argument("--verify", metavar="FILE.zip", help="check a pack against its manifest")
    pack.set_defaults(handler=cmd_evidence)

    status = sub.add_parser("status", help="move a report to a new status (the shopper is notified by the running bot)")
    status.add_argument("reference")
    status.add_argument("status", choices=[s.value for s in Status])
    status.add_argument("--note")
    status.set_defaults(handler=cmd_status)

    unanswered = sub.add_parser("unanswered", help="questions no tip answered, most asked first")
    unanswered.add_argument("--limit", type=_positive, default=50)
    unanswered.add_argument("--brand", help="only questions that came closest to this brand")
    unanswered.set_defaults(handler=cmd_unanswered)

    _add_db_commands(sub)
    for name in STORE_COMMANDS:
        _add_database_option(sub.choices[name])
    return parser


STORE_COMMANDS = ("run", "roles", "export", "evidence", "status", "unanswered")  # the commands that open the database


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB (default AUTHBOT_DATABASE_URL, else the SQLite file in the data directory)",
    )


def _add_db_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="the database: upgrade its schema, check it, copy it to another database")
    actions = db.add_subparsers(title="actions", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply the schema migrations the database has not had")
    upgrade.set_defaults(handler=cmd_db_upgrade)
    check = actions.add_parser("check", help="integrity, foreign keys, schema version and row counts; exit 1 on a problem")
    check.set_defaults(handler=cmd_db_check)
    for action in (upgrade, check):
        _add_database_option(action)
    copying = actions.add_parser("copy", help="copy every table to another database (e.g. SQLite to PostgreSQL) and verify it")
    copying.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    copying.add_argument("--to", dest="target", required=True, metavar="URL", help="the database to fill (upgraded first)")
    copying.add_argument("--force", action="store_true", help="replace what the target already holds")
    copying.set_defaults(handler=cmd_db_copy)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-30, got {value!r}") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def open_catalog(settings: Settings) -> Catalog:
    """The guides in ``settings.guides_dir``; broken files are reported on stderr and skipped."""
    from .core.library import GuideLibrary

    catalog = GuideLibrary.open(settings.guides_dir, settings.vectors_dir).catalog
    for error in catalog.errors:
        print(f"authbot: skipped: {error}", file=sys.stderr)
    if not catalog.brands:
        raise UserError(f"no valid tip files in {settings.guides_dir}")
    return catalog


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from . import presenter
    from .callbacks import OpenBrand, OpenTip
    from .texts import language_of

    question = " ".join(args.question)
    catalog = open_catalog(settings)
    lang = language_of(question)
    reply = presenter.answer(catalog, catalog.ask(question), lang)
    print(reply.plain())
    options = [b.label for row in reply.buttons for b in row if isinstance(b.action, (OpenTip, OpenBrand))]
    if options:
        print()
        for number, label in enumerate(options, 1):
            print(f"  [{number}] {label}")
    return 0


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    catalog = open_catalog(settings)
    out = sys.stdout
    for line in sys.stdin:
        question = line.rstrip("\r\n")
        out.write(json.dumps(catalog.ask(question, top=args.top).as_dict(), ensure_ascii=False) + "\n")
        out.flush()
    return 0


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    from .core.publishing import name_clash_errors

    files: list[Path] = []
    for raw in args.paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"no such file or directory: {path}")
    failed = 0
    loaded: list[tuple[Path, Brand]] = []
    for path in files:
        try:
            loaded.append((path, load_guide(path)))
        except GuideInvalid as exc:
            failed += 1
            for error in exc.errors:
                print(error)
    brands = [brand for _, brand in loaded]
    for path, brand in loaded:  # the files given must not claim each other's names, as publishing requires
        clashes = name_clash_errors(path.read_bytes(), path.name, brand, brands)
        failed += bool(clashes)
        for error in clashes:
            print(error)
        if not clashes:
            print(f"{path.name}: ok ({brand.name}, {len(brand.tips)} tips)", file=sys.stderr)
    return 1 if failed else 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from .core.evaluation import evaluate, read_questions

    path = Path(args.questions)
    try:
        questions = read_questions(path)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"cannot read labelled questions from {path}: {exc}") from exc
    figures = evaluate(open_catalog(settings).matcher, questions)
    print(figures.summary())
    for kind in sorted(figures.by_kind):
        print(f"  {kind:18} {figures.kind_right[kind]}/{figures.by_kind[kind]}")
    print(figures.calibration())
    if args.misses:
        for item, result in figures.misses:
            got = f"{result.answer.brand}/{result.answer.tip}" if result.answer else "no answer"
            print(f"miss [{item.kind}] {item.q} -> want {item.brand}/{item.tip}, got {got}")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from telegram.error import InvalidToken, NetworkError

    from .app import Webhook, run

    settings = settings.with_overrides(api_url=args.api_url)
    webhook = Webhook(args.webhook_url, args.listen, args.port, args.secret_token) if args.webhook_url else None
    try:
        run(settings, webhook)
    except InvalidToken:
        raise UserError("the Bot API rejected the token: check TELEGRAM_BOT_TOKEN") from None
    except NetworkError as exc:
        print(
            f"authbot: cannot reach the Bot API{' at ' + settings.api_url if settings.api_url else ''}: {exc.message}",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_shell(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .core.guides import load_guides
    from .shell import run_shell

    load_guides(settings.guides_dir)  # a missing guides directory is a one-line error, before anything starts
    asyncio.run(run_shell(settings, args.user, args.name))
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .core.guides import load_guides
    from .web.app import create_app

    settings = settings.with_overrides(web_listen=args.listen, web_port=args.port, console_url=args.console_url)
    load_guides(settings.guides_dir)  # a missing guides directory is a one-line error, before anything starts
    # proxy_headers: behind the reverse proxy on this host, X-Forwarded-Proto tells that the
    # browser came over https (the session cookie is then Secure).
    uvicorn.run(
        create_app(settings),
        host=settings.web_listen,
        port=settings.web_port,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
    )
    return 0


def cmd_roles(args: argparse.Namespace, settings: Settings) -> int:
    from .core.services import Actor
    from .core.services.errors import UnknownBrand
    from .core.services.roles import RoleService

    if args.action != "list" and (args.user_id is None or args.role is None):
        raise UserError(f"usage: authbot roles {args.action} USER_ID ROLE [BRAND]")

    async def act(store: Store) -> list[str]:
        roles, operator = RoleService(store, _known_brand(settings), settings.admin_ids), Actor.operator()
        if args.action == "list":
            listing = await roles.all(operator)
            configured = [f"{i}\tadmin\t*\t(config)" for i in sorted(listing.configured_admins)]
            return configured + [f"{g.user_id}\t{g.role.value}\t{g.brand or '*'}" for g in listing.grants]
        change = roles.grant if args.action == "grant" else roles.revoke
        done = await change(operator, args.user_id, args.role, args.brand)
        return [f"{args.action}: {'done' if done.changed else 'nothing to do'}"]

    try:
        lines = _with_store(settings, act)
    except (ValueError, UnknownBrand) as exc:
        raise UserError(str(exc).strip("'")) from None
    print("\n".join(lines))
    return 0


def _known_brand(settings: Settings) -> Callable[[str], bool]:
    """Whether a brand id has a tip file in the guides directory (the CLI loads no catalog)."""
    return lambda brand_id: (settings.guides_dir / f"{brand_id}.yaml").is_file()


def _with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run ``work(store)`` on the project's database, opened and closed around it."""
    import asyncio

    from .core.store import Store

    async def run() -> T:
        store = await _open(Store.open(settings.database))
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


async def _open(opening: Awaitable[T]) -> T:
    """Await ``opening`` (a database being opened); a database that cannot be reached is a one-line error."""
    from .core.store.db import DatabaseUnavailable

    try:
        return await opening
    except DatabaseUnavailable as exc:
        raise UserError(str(exc)) from None


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .core.store.maintenance import upgrade

    applied, version = asyncio.run(_open(upgrade(settings.database)))
    print(f"{settings.database}: schema version {version} ({applied} migration(s) applied)")
    return 0


def cmd_db_check(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .core.store.db import Database, open_database
    from .core.store.maintenance import Checked, check

    if not settings.database.exists():
        raise UserError(f"no database at {settings.database}")

    async def checked() -> Checked:
        database: Database = await _open(open_database(settings.database))
        try:
            return await check(database)
        finally:
            await database.close()

    found = asyncio.run(checked())
    for table, count in found.rows.items():
        print(f"{table:16} {count:9} rows")
    for problem in found.problems:
        print(f"problem: {problem}")
    print(f"{settings.database}: " + (f"{len(found.problems)} problem(s)" if found.problems else "ok"), file=sys.stderr)
    return 1 if found.problems else 0


def cmd_db_copy(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .core.store.maintenance import CopyMismatch, CopyRefused, copy
    from .core.store.url import DatabaseURL

    source, target = (DatabaseURL.of(check_database_url(url)) for url in (args.source, args.target))
    try:
        copied = asyncio.run(_open(copy(source, target, force=args.force)))
    except (CopyRefused, CopyMismatch) as exc:
        raise UserError(str(exc)) from None
    for table in copied:
        print(f"{table.table:16} {table.rows:9} rows  sha256-sum {table.checksum[:16]}  same on both")
    print(f"copied {sum(t.rows for t in copied)} rows from {source} to {target}; counts and checksums verified", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from .core.services import Actor
    from .core.services.exports import ExportService
    from .core.store.reports import ReportFilter

    if not settings.database.exists():
        raise UserError(f"no database at {settings.database} (set AUTHBOT_DATA_DIR)")
    wanted = ReportFilter(frozenset(b.lower() for b in args.brand) if args.brand else None, args.status, args.since, args.until)
    out = Path(args.out)
    try:
        summary = _with_store(
            settings, lambda store: ExportService(store, settings.database).export(Actor.operator(), wanted, {args.format: out})
        )
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"exported {summary.count} reports to {args.out}", file=sys.stderr)
    return 0


def cmd_evidence(args: argparse.Namespace, settings: Settings) -> int:
    from .core.evidence import verify_pack
    from .core.services import Actor
    from .core.services.errors import UnknownReport
    from .core.services.evidence import EvidenceService

    if args.verify:
        problems = verify_pack(Path(args.verify))
        for problem in problems:
            print(problem)
        print("ok: every file matches the manifest" if not problems else f"{len(problems)} problem(s)", file=sys.stderr)
        return 1 if problems else 0
    if not args.reference or not args.out:
        raise UserError("usage: authbot evidence REFERENCE --out FILE.zip, or authbot evidence --verify FILE.zip")
    try:
        pack = _with_store(
            settings,
            lambda store: EvidenceService(store, settings.data_dir).pack(Actor.operator(), args.reference, Path(args.out)),
        )
    except UnknownReport as exc:
        raise UserError(str(exc)) from None
    print(
        f"wrote {pack.path}" + (f"; {len(pack.missing_photos)} photo file(s) missing on disk" if pack.missing_photos else ""),
        file=sys.stderr,
    )
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from .core.reports import LIMITS, FieldError, InvalidTransition
    from .core.services import Actor
    from .core.services.enforcement import EnforcementService
    from .core.services.errors import UnknownReport

    def move(store: Store) -> Awaitable[ReportRecord]:
        enforcement = EnforcementService(store, settings.data_dir, _known_brand(settings))
        return enforcement.change_status(Actor.operator(), args.reference, Status(args.status), args.note)

    try:
        report = _with_store(settings, move)
    except (InvalidTransition, UnknownReport) as exc:
        raise UserError(str(exc).strip("'")) from None
    except FieldError:
        raise UserError(f"the note is too long (at most {LIMITS['note']} characters)") from None
    print(f"{report.reference}: {report.status}")
    return 0


def cmd_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    import datetime

    found = _with_store(settings, lambda store: store.answers.unanswered(args.limit, args.brand))
    if not found:
        print("no unanswered questions recorded", file=sys.stderr)
    for row in found:
        when = datetime.datetime.fromtimestamp(row.last_asked).strftime("%Y-%m-%d %H:%M")
        print(f"{row.count:5}×  best {row.best_score:.2f}  last {when}  {row.question}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
