"""What the store raises."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The database cannot be reached or is not in a usable state; message is for the user."""


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    """The same client id was sent again with a different comment."""
