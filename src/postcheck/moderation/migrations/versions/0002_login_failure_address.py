"""Sign-in failures remember the client address, so guessing is slowed per address and per
account instead of locking the account for everyone; the owner's last sign-in ends the
account's backoff.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from postcheck.moderation.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("address", sa.String(64), nullable=True))
    op.create_index("ix_login_failures_address", "login_failures", ["address"])
    with op.batch_alter_table("owners") as batch:
        batch.add_column(sa.Column("last_sign_in_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("last_sign_in_at")
    op.drop_index("ix_login_failures_address", "login_failures")
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("address")
