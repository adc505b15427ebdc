"""Is a post written mostly in te reo Māori?

The reader and its students learnt from English posts: on a post in te reo they read word
pieces they never saw and answer "nothing here", which used to silence the te reo political
terms the lexicons do know ("Me turaki te kāwanatanga!" was fine while its English was
"don't post"). A post mostly in te reo is judged by the lexicons alone.

Te reo words are built from open syllables over a small alphabet (h k m n p r t w ng wh and
the five vowels, long or short), which few English words are; the share of such words in
a post says which language it is in well enough for this, with no model to ship.
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_REO_WORD = re.compile(r"(?:(?:ng|wh|[hkmnprtw])?[aeiouāēīōū])+", re.IGNORECASE)
#: Short English words that happen to fit te reo's syllables ("a", "to", "he", "me"); they
#: say nothing about the language, so they are not counted either way.
_NEUTRAL = frozenset(
    {
        "a", "i", "o", "u", "e", "to", "too", "he", "me", "we", "no", "new", "two", "tie",
        "time", "take", "ten", "mine", "tape", "more", "where", "who", "how", "now", "hope",
        "home", "pure", "tree", "three", "true", "rare", "rate", "wire", "were",
    }
)  # fmt: skip

#: A post is "mostly te reo" when at least this share of its telling words fit te reo.
REO_SHARE = 0.6
MIN_WORDS = 2


def reo_share(text: str) -> tuple[float, int]:
    """(share of telling words that fit te reo, how many telling words there were)."""
    words = [w.lower() for w in _WORD.findall(text)]
    telling = [w for w in words if w not in _NEUTRAL and not w.startswith(("http", "www"))]
    if not telling:
        return 0.0, 0
    reo = sum(1 for w in telling if _REO_WORD.fullmatch(w))
    return reo / len(telling), len(telling)


@functools.lru_cache(maxsize=1024)
def mostly_reo(text: str) -> bool:
    # Asked once per signal for the same post: remember the last posts' answers.
    share, n = reo_share(text)
    return n >= MIN_WORDS and share >= REO_SHARE
