"""Alembic environment: runs on the connection `postcheck.moderation.store.migrate` passes in.

Migrations are run from code (on `moderate init` and `moderate serve`), never from an
alembic.ini, so the package works the same installed or from a checkout.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from postcheck.moderation.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Several replicas may start at once against one database: one migrates, the rest
        # wait here and then find nothing to do. Released at the end of the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(7041955316)"))
    context.run_migrations()
