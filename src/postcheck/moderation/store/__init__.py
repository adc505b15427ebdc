"""The moderation store: database engine, migrations and every read and write of the service.

Split by concern; `Store` puts the parts together and everything is importable from here:

- `database.py`: SQLite and PostgreSQL engines (durability, locking) and the migrations;
- `base.py`: read and write sessions over one engine;
- `records.py`: what goes in and comes out (`Pending`, `Submitted`, `Stored`) and the one
  mapping between a typed `Screening` and the `comments` row's JSON columns;
- `sites.py`: the owner account, sites, API keys and policies;
- `comments.py`: storing screened comments (group commit, retries) and reading them;
- `decisions.py`: the owner's decisions and edits, and the audit log;
- `export.py`: `moderate export` as JSON lines.
"""

from __future__ import annotations

from postcheck.moderation.store.comments import Comments, GroupCommitter
from postcheck.moderation.store.database import (
    MIGRATIONS_DIR,
    current_revision,
    make_engine,
    migrate,
)
from postcheck.moderation.store.decisions import Decisions
from postcheck.moderation.store.errors import Conflict, NotFound, StoreError
from postcheck.moderation.store.export import EXPORT_SCHEMA, Export, dumps_line
from postcheck.moderation.store.records import (
    NewComment,
    Pending,
    Stored,
    Submitted,
    screening_of,
    text_hash,
)
from postcheck.moderation.store.sites import KEY_PREFIX, SITE_NAME, Sites, key_hash

__all__ = [
    "EXPORT_SCHEMA",
    "KEY_PREFIX",
    "MIGRATIONS_DIR",
    "SITE_NAME",
    "Conflict",
    "GroupCommitter",
    "NewComment",
    "NotFound",
    "Pending",
    "Store",
    "StoreError",
    "Stored",
    "Submitted",
    "current_revision",
    "dumps_line",
    "key_hash",
    "make_engine",
    "migrate",
    "screening_of",
    "text_hash",
]


class Store(Sites, Comments, Decisions, Export):
    """The moderation store: `Store(url, migrate_now=..., pool_size=...)`."""
