"""The author file: who is posting, read from a TOML file and overridden by flags.

The command line calls it `--profile` and looks for `profile.toml` by default; here it is the
author file, so that "profile" names only an account's public profile (sources.base.Profile).

# ~/.config/postcheck/profile.toml
[author]
employer = "Ministry for the Environment"
role = "Senior policy adviser"
seniority = "senior"          # staff | manager | senior | executive | board
advises_ministers = true
represents_agency = false
topics = ["climate policy", "emissions trading scheme"]
shows_employer = true         # does the account or bio show where you work?
bio = "Policy @ MfE. Tramper."

[defaults]                    # optional context defaults for every check
platform = "linkedin"
visibility = "public"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from postcheck.guidance import user_config_dir
from postcheck.shapes import Author

AUTHOR_FIELDS = set(Author.model_fields)
DEFAULT_FIELDS = {"platform", "kind", "visibility", "account"}


class AuthorFileError(ValueError):
    pass


def default_author_file() -> Path:
    return user_config_dir() / "profile.toml"


def load_author_file(path: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(author fields, context defaults). A missing default author file is not an error."""
    explicit = path is not None
    path = path or default_author_file()
    if not path.is_file():
        if explicit:
            raise AuthorFileError(f"profile file not found: {path}")
        return {}, {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise AuthorFileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise AuthorFileError(f"{path}: invalid TOML ({exc})") from None
    author = dict(data.get("author") or {})
    # A flat file (employer = ... at top level) is accepted too.
    author.update({k: v for k, v in data.items() if k in AUTHOR_FIELDS})
    unknown = set(author) - AUTHOR_FIELDS
    if unknown:
        raise AuthorFileError(f"{path}: unknown author field(s): {', '.join(sorted(unknown))}")
    defaults = {k: v for k, v in (data.get("defaults") or {}).items() if k in DEFAULT_FIELDS}
    try:
        Author.model_validate(author)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AuthorFileError(f"{path}: {where}: {first['msg']}") from None
    return author, defaults
