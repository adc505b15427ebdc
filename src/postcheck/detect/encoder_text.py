"""What the transformer reads: the post, with emoji spelled out and mention runs collapsed.

Why: the encoder's WordPiece vocabulary has almost no emoji, so every emoji became `[UNK]`
(one tweet in nine in OLID has one) and the model could not tell 🖕 from 😊. Spelling each emoji
as its Unicode name ("reversed hand with middle finger extended") gives it words it knows.
Runs of "@user @user @user" (how the corpora anonymise replies) carry no meaning past the
first and push the words out of the 64-piece window.

Training and run time both call `for_encoder`, so the two always read the same text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

#: Joiners, variation selectors and skin-tone modifiers: they shape an emoji's look only.
_INVISIBLE = re.compile("[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_MENTIONS = re.compile(r"(?:@user\b[\s,.:]*){2,}", re.IGNORECASE)
#: A character three or more times says no more than twice: "soooo", "!!!!", 😂😂😂😂. Digits
#: too ("1000" reads "100"): a number's size does not bear on abuse, and this is only what
#: the transformer reads; every other detector sees the post as written.
_REPEATS = re.compile(r"(\S)\1{2,}")
_SPACES = re.compile(r"\s{2,}")


def _spell(ch: str) -> str:
    if unicodedata.category(ch) != "So":
        return ch
    name = unicodedata.name(ch, "")
    return f" {name.lower()} " if name else ch


def for_encoder(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    text = _MENTIONS.sub("@user ", text)
    text = _REPEATS.sub(r"\1\1", text)
    if any(unicodedata.category(ch) == "So" for ch in text):
        text = "".join(_spell(ch) for ch in text)
    return _SPACES.sub(" ", text).strip()


#: Digits and symbols standing for letters inside a word ("W0rst F1nance M1nister", "a$$"):
#: writers use them to slip past word lists, and the encoder should read the word they spell.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_LEET_WORD = re.compile(r"\b(?=[\w@$]*[a-z])(?=[\w@$]*[013457@$])[a-z0-9@$]{3,}\b", re.IGNORECASE)


def _unleet(m: re.Match[str]) -> str:
    word = m.group(0)
    # numbers with a unit or a code ("10am", "h1n1", "covid19") keep their digits: only words
    # whose letters outnumber their digits, and that don't end in a run of digits, are read.
    letters = sum(ch.isalpha() for ch in word)
    if letters <= len(word) - letters or word[-2:].isdigit() or word[0].isdigit():
        return word
    return word.translate(_LEET)


def spell_back(text: str) -> str:
    """The text with its leetspeak words spelled back ("W0rst" -> "Worst"); else unchanged."""
    return _LEET_WORD.sub(_unleet, text)


def for_reader(text: str) -> str:
    """What the multi-label reader reads: `for_encoder`, with leetspeak spelled back."""
    return for_encoder(spell_back(text))


#: Text preparations by the name a model card gives them (`"reads"`): training and run time
#: look the card's name up here. A card naming another is from a newer postcheck.
PREPARATIONS: dict[str, Callable[[str], str]] = {
    "raw": lambda text: text,
    "for_encoder/1": for_encoder,
    "for_encoder/2": for_reader,
}
