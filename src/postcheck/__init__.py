"""postcheck: check social media posts against the NZ Public Service Commission's guidance.

>>> from postcheck import check, Context, Author
>>> report = check("Kia ora whānau, lovely day for it", context=Context(platform="x"))
>>> report.verdict
'fine'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from postcheck.shapes import Author, Context, Kind, Platform, Post, Report, Risk, Visibility

__all__ = [
    "Author",
    "Context",
    "Kind",
    "Platform",
    "Post",
    "Report",
    "Risk",
    "Visibility",
    "__version__",
    "check",
]

if TYPE_CHECKING:
    from postcheck.engine import Engine


def check(
    text: str,
    context: Context | None = None,
    *,
    edition: str | None = None,
    id: str | None = None,
    engine: Engine | None = None,
    **context_fields: Any,
) -> Report:
    """Check one post and return its Report (the same object the CLI prints).

    Like `postcheck check TEXT`, one post is read thoroughly: the transformer reads it whatever
    the fast model thinks ($POSTCHECK_ENCODER overrides). `Engine.check_many` reads in bulk."""
    from postcheck.detect.encoder import mode_for
    from postcheck.engine import default_engine

    if context is None:
        context = Context(**context_fields)
    elif context_fields:
        context = context.model_copy(update=context_fields)
    post = Post(text=text, context=context, id=id)
    return (engine or default_engine()).check(post, edition=edition, mode=mode_for(single=True))
