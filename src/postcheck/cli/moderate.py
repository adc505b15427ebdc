"""`postcheck moderate ...`: comment moderation for your own website.

postcheck moderate init        create the store and the owner account
postcheck moderate add-site    add a site; prints its API key once, alone on the last line
postcheck moderate serve       run the comment API and the owner's pages
postcheck moderate export      every comment and decision as JSONL
"""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from postcheck.moderation.store import Store

moderate_app = typer.Typer(
    name="moderate",
    help=(
        "Comment moderation for your own website: screen comments with the postcheck engine, "
        "hold risky ones for you, keep an audit log."
    ),
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE, a file path, or postgresql://USER@HOST/DB). "
        "Default: $POSTCHECK_DATABASE_URL, else a SQLite file in your data directory.",
        show_default=False,
    ),
]


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"postcheck moderate: {message}", err=True)
    raise typer.Exit(code)


def _store(db: str | None, *, migrate: bool) -> Store:
    try:
        from postcheck.moderation.settings import ConfigError, resolve_database_url
        from postcheck.moderation.store import Store, StoreError
    except ImportError as exc:
        _fail(f"moderation needs extra packages ({exc.name}): pip install 'postcheck[moderate]'")
    try:
        url = resolve_database_url(db)
        store = Store(url, migrate_now=migrate)
        if not migrate:
            store.check_ready()
        return store
    except (ConfigError, StoreError) as exc:
        _fail(str(exc))
    except ImportError as exc:
        _fail(
            f"this database needs an extra package ({exc.name}): pip install 'postcheck[postgres]'"
        )
    except Exception as exc:
        _fail(
            f"cannot open the database: {exc.__class__.__name__}: "
            f"{(str(exc).splitlines() or [''])[0]}"
        )


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@moderate_app.command()
def init(
    db: DbOption = None,
    username: Annotated[str, typer.Option(help="The owner's username.")] = "owner",
    reset_password: Annotated[
        bool,
        typer.Option(
            "--reset-password", help="Replace the owner's password (signs out every session)."
        ),
    ] = False,
) -> None:
    """Create (or upgrade) the moderation store and the owner account.

    The password is read from $POSTCHECK_OWNER_PASSWORD if set, otherwise asked for.
    """
    from postcheck.moderation.auth import (
        PasswordError,
        check_password_strength,
        clear_login_failures,
        hash_password,
    )
    from postcheck.moderation.settings import OWNER_PASSWORD_ENV

    store = _store(db, migrate=True)
    typer.echo(f"Store ready: {_display_url(store.url)} ({store.dialect}, schema up to date)")
    owner = store.owner()
    if owner is not None and not reset_password:
        typer.echo(
            f"Owner account {owner.username!r} already exists (use --reset-password to change it)."
        )
        return
    password = os.environ.get(OWNER_PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            _fail(f"no password: set {OWNER_PASSWORD_ENV} or run in a terminal")
        password = typer.prompt("Owner password", hide_input=True, confirmation_prompt=True)
    try:
        check_password_strength(password)
    except PasswordError as exc:
        _fail(str(exc))
    store.set_owner(username, hash_password(password))
    # Whoever can reset the password is the owner: a guesser's failures must not keep them out.
    cleared = clear_login_failures(store)
    verb = "Password changed for" if owner else "Owner account created:"
    typer.echo(f"{verb} {username!r}. Next: postcheck moderate add-site NAME")
    if cleared:
        typer.echo(f"Cleared {cleared} failed sign-in(s); signing in is no longer delayed.")


@moderate_app.command("add-site")
def add_site(
    name: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits, hyphens.")],
    db: DbOption = None,
    level: Annotated[str, typer.Option(help="Policy level: strict, normal or relaxed.")] = "normal",
    rotate_key: Annotated[
        bool,
        typer.Option(
            "--rotate-key", help="Issue a new key for an existing site (the old one stops working)."
        ),
    ] = False,
) -> None:
    """Add a site and print its API key once, alone on the last line (only a hash is kept)."""
    from postcheck.moderation.policy import Level, Policy
    from postcheck.moderation.store import NotFound

    if level not in {lv.value for lv in Level}:
        _fail(f"unknown level {level!r} (choose strict, normal or relaxed)")
    store = _store(db, migrate=False)
    try:
        if rotate_key:
            key = store.rotate_key(name)
            typer.echo(f"New key for site {name!r}; the old key no longer works.")
        else:
            key = store.add_site(name, Policy(level=Level(level)))
            typer.echo(f"Site {name!r} added (policy: {level}).")
    except (ValueError, NotFound) as exc:
        _fail(str(exc))
    typer.echo(
        f"Send comments to POST /api/sites/{name}/comments with 'Authorization: Bearer <key>'."
    )
    typer.echo("The key is shown only now; store it where the site can read it:")
    typer.echo(key)


@moderate_app.command()
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8300,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Mark cookies Secure (when served over HTTPS).")
    ] = False,
) -> None:
    """Run the comment API (/api/sites/...) and the owner's pages (/moderate/)."""
    try:
        import uvicorn
    except ImportError:
        _fail("serving needs extra packages: pip install 'postcheck[moderate]'")
    store = _store(db, migrate=True)
    if store.owner() is None:
        store.dispose()
        _fail("no owner account yet: run `postcheck moderate init` first")
    url = store.url
    store.dispose()
    # Workers build the app from the environment (uvicorn imports the factory by name).
    os.environ["POSTCHECK_DATABASE_URL"] = url
    os.environ["POSTCHECK_SECURE_COOKIES"] = "1" if secure_cookies else ""
    typer.echo(
        f"Owner's pages: http://{host}:{port}/moderate/   "
        f"API schema: http://{host}:{port}/openapi.json"
    )
    uvicorn.run(
        "postcheck.moderation.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        log_config=_log_config(),
        access_log=False,  # access logs would record comment ids and site names, not needed
        # Blogs' comment scripts reuse connections; closing an idle one just as the client
        # sends on it is a spurious transport error for the commenter.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


#: Idle keep-alive connections are kept this long (uvicorn's default is 5 s).
KEEP_ALIVE_SECONDS = 75


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, plus sign-in attempts (user, address, outcome) on stderr.

    Passed to uvicorn rather than set up here so every worker process gets it too.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["signin"] = {"format": "%(asctime)s %(levelname)s %(message)s"}
    config["handlers"]["signin"] = {
        "class": "logging.StreamHandler",
        "formatter": "signin",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["postcheck.moderation.auth"] = {
        "handlers": ["signin"],
        "level": "INFO",
        "propagate": False,
    }
    return config


@moderate_app.command()
def export(
    db: DbOption = None,
    site: Annotated[str | None, typer.Option(help="Only this site's comments.")] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of stdout.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Write every comment with its screening and decisions as JSON Lines.

    One object a line, schema "postcheck.moderation.comment/1" (see docs/moderation.md).
    """
    store = _store(db, migrate=False)
    if site:
        try:
            store.site(site)
        except LookupError as exc:
            _fail(str(exc))
    if output is None:
        _export_rows(store, site, sys.stdout)
        return
    from postcheck.private_files import AtomicPrivateFile

    # Owner-only (0600) from the first byte: the export holds commenters' e-mails and held
    # comments. Written beside the target and renamed, so a failed export leaves no half file.
    try:
        sink = AtomicPrivateFile(output)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror}")
    try:
        with sink:
            n = _export_rows(store, site, sink.handle)
    except OSError as exc:
        sink.discard()
        _fail(f"cannot write {output}: {exc.strerror}")
    typer.echo(f"{n} comment(s) written to {output}", err=True)


def _export_rows(store: Store, site: str | None, out: IO[str]) -> int:
    from postcheck.moderation.store import dumps_line

    n = 0
    for row in store.export(site):
        out.write(dumps_line(row) + "\n")
        n += 1
    return n


def register(app: typer.Typer) -> None:
    """Add this door's commands to the main app."""
    app.add_typer(moderate_app, name="moderate")
