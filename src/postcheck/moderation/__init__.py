"""Moderation for public servants who run their own website: a comment queue.

Comments arrive over HTTP (`api.py`), go through the shared engine plus moderation phases
(`screening.py`, whose judgement is data in `postcheck/guidance/moderation/*.yaml`, loaded by
`judgement.py`) under the site's policy (`policy.py`), are stored with their typed decision
and reasons (`results.py`; the `store/` package, `tables.py`, Alembic `migrations/`) and
reviewed by the site owner in server-rendered pages (`pages.py`, `auth.py`). `app.py` assembles
a standalone FastAPI app and a router that the main web app can mount.
"""

from __future__ import annotations

from postcheck.moderation.settings import Settings

__all__ = ["Settings"]
