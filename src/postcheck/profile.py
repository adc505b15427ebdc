"""The author's profile: who is posting, read from a TOML file and overridden by flags.

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


class ProfileError(ValueError):
    pass


def default_profile_path() -> Path:
    return user_config_dir() / "profile.toml"


def load_profile(path: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(author fields, context defaults). A missing default profile is not an error."""
    explicit = path is not None
    path = path or default_profile_path()
    if not path.is_file():
        if explicit:
            raise ProfileError(f"profile file not found: {path}")
        return {}, {}
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: invalid TOML ({exc})") from None
    author = dict(data.get("author") or {})
    # A flat file (employer = ... at top level) is accepted too.
    author.update({k: v for k, v in data.items() if k in AUTHOR_FIELDS})
    unknown = set(author) - AUTHOR_FIELDS
    if unknown:
        raise ProfileError(f"{path}: unknown author field(s): {', '.join(sorted(unknown))}")
    defaults = {k: v for k, v in (data.get("defaults") or {}).items() if k in DEFAULT_FIELDS}
    try:
        Author.model_validate(author)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ProfileError(f"{path}: {where}: {first['msg']}") from None
    return author, defaults
