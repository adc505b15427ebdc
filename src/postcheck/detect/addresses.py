"""Street addresses in NZ and international formats, as character spans.

An address is found by its core, the part no everyday sentence has: a house number beside a
street word ("12A Tui Street", "Via Roma 131", "Villacher Strasse 89", "36 rue de Tanger"),
a postal form ("PO Box 123", "Private Bag 1234", "PSC 3294, Box 9168"), or a unit designator
with its number ("Apt. 117"). The core then takes in what follows it on the same address, a
unit, suburb, city, region code, postcode or country after a comma or on the next lines, and a
building number just before it, so one address comes back as one span, as a reader sees it.

A bare number is never an address on its own, and neither is a street word without a number
("I live on Via Roma in my dreams"): everyday posts are full of both.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator


class _Lazy:
    """A pattern compiled on its first use. These patterns took about 65 ms to compile, a
    large share of a cold `postcheck check`, and most posts have no digit, so never reach
    them (`find` returns first)."""

    __slots__ = ("_args", "_rx")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._rx: re.Pattern[str] | None = None

    @property
    def rx(self) -> re.Pattern[str]:
        if self._rx is None:
            self._rx = re.compile(*self._args)
        return self._rx

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.rx.match(text, pos)

    def fullmatch(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.rx.fullmatch(text, pos)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.rx.search(text, pos, endpos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.rx.finditer(text)


# Python's re has no \p{Lu}: build the upper-case letters of the Latin, Greek and Cyrillic
# blocks once, so Greek ("Μεγάλη Άμμος 184") and accented names start a word like ASCII ones.
_UPPERS = "".join(
    ch
    for lo, hi in ((0x41, 0x5A), (0xC0, 0x24F), (0x370, 0x3FF), (0x400, 0x52F))
    for ch in map(chr, range(lo, hi + 1))
    if ch.isupper()
)
UP = "[" + re.escape(_UPPERS) + "]"
#: A capitalised (or all-capitals) word of a street or place name.
NAME = UP + r"[\w'’.-]*"
#: Joining words inside names: "Rue de la Paix", "Ostrov nad Ohrí", "Avenue d'Ouchy".
PARTICLE = (
    r"(?:de|del|della|delle|dei|di|da|do|dos|das|du|des|la|le|les|el|los|las|van|von|der|den|"
    r"het|am|im|an|auf|sur|en|y|e|i|u|v|nad|pod|na|ve)"
)
#: A name word after a joining word may be lower-case: "rue des lieutenants", "rue de pologne".
_LOWER_NAME = rf"(?:{PARTICLE}[ \t]+|[dl]['’])(?:{PARTICLE}[ \t]+)?[^\W\d_][\w'’-]*"
NAME_RUN = rf"{NAME}(?:[ \t]+(?:{PARTICLE}[ \t]+|[dl]['’])?{NAME}){{0,3}}"
#: A house number: "12", "12A", "3/45" (NZ flat/number).
HOUSE = r"\d{1,5}(?:[A-Za-z](?![\w]))?(?:/\d{1,5}[A-Za-z]?)?"
#: Numbers that count things, not houses, when these words follow them.
_NOT_HOUSE_AFTER = (
    r"(?![ \t]*(?:%|percent|per|am|pm|a\.m|p\.m|st|nd|rd|th|x|days?|weeks?|months?|years?|yrs?|"
    r"hours?|hrs?|mins?|minutes?|seconds?|secs?|times|people|points?|pts|goals?|votes?|kg|km|"
    r"m|cm|mm|ml|l|k|million|billion|dollars?|bucks)\b)(?![.,:]\d)"
)
#: Words before a number that make it a count, rank or label rather than a house number.
_NOT_HOUSE_BEFORE = _Lazy(
    r"\b(?:episode|ep|chapter|season|series|part|vol|volume|no|number|level|top|gate|room|"
    r"route|day|week|page|step|game|round|phase|act|book|year|grade|platform|floor|pier|table|"
    r"seat|row|section|exit|terminal|stage|track|lane|channel|version|issue|match|test|term|"
    r"question|rule|article|clause|bill|covid|windows|iphone|gen|mark|mk|highway|interstate|"
    r"hwy|sh|ward|bed|bay|box|unit|under|over|age|aged|only|just|about|nearly|almost|the)"
    r"[ \t]*$",
    re.IGNORECASE,
)

# English street types after the name ("24 Clarke Avenue", "90 Whitchurch Road").
STREET_TYPES = (
    "Street|St|Str|Road|Rd|Avenue|Ave|Av|Drive|Dr|Place|Pl|Crescent|Cres|Terrace|Tce|Lane|Ln|"
    "Way|Close|Grove|Parade|Pde|Boulevard|Blvd|Highway|Hwy|Court|Ct|Quay|Square|Sq|Rise|"
    "Heights|Esplanade|Mews|Track|Loop|Circle|Cir|Walk|Row|Glen|View|Park|Alley|Parkway|Pkwy|"
    "Plaza|Gardens|Gdns|Mall|Promenade|Wharf|Strand|Crossing|Common|Green|Hill|Vale|Valley|"
    "Ridge|Point|Pt|Trail|Expressway|Motorway|Causeway|Bypass|Line"
)
# Street words that come first, before the name ("Via Roma 131", "ul. Narewska 94").
TYPE_FIRST = (
    r"Via|Viale|Vicolo|Vico|Piazza|Piazzale|Piazzetta|Largo|Corso|Contrada|Borgo|Strada|Rua|"
    r"Avenida|Avda\.|Av\.|Alameda|Travessa|Estrada|Praça|Praca|Calle|C/|Carrer|Camino|"
    r"Paseo|Plaza|Rambla|Ronda|Carretera|Rue|rue|Avenue|avenue|Boulevard|boulevard|Bd|Chemin|"
    r"Allée|Impasse|Place|Quai|Cours|Route|ul\.|ulica|Ulica|al\.|Aleja|aleja|os\.|pl\.|Plac|"
    r"Calea|Bulevardul|Odos|Οδός|Οδος|Λεωφόρος|Πλατεία|Leoforos|Platia|ulitsa|"
    r"Prospekt|Straße|Strasse"
)
_TYPE_FIRST_LOWER = (
    r"(?:rua|rúa|avenida|avda\.|calle|carrer|viale|vicolo|piazza|piazzale|ulica|ul\.|strada|"
    r"praça|travessa|estrada|rambla|paseo|chemin|leoforos|odos)"
)
# Street words that end a name, joined ("Friedhofstrasse") or as their own word ("Rákóczi út").
SUFFIX_JOINED = (
    r"strasse|straße|str\.|weg|gasse|allee|damm|ufer|gade|vej|veien|vegen|vei|gata|gatan|"
    r"gaten|vägen|väg|stræde|stig|stien|tie|katu|kuja|polku|kaari|laan|straat|plein|gracht|"
    r"kade|singel|dreef|steeg|utca|vegur|braut|stígur|stræti|torg|torget|torv|plads|tee|gatve|"
    r"iela"
)
SUFFIX_WORD = (
    r"Strasse|Straße|Str\.|Weg|Gasse|Allee|Platz|Damm|Ufer|Vej|Veien|Gata|Gatan|Vägen|"
    r"Laan|Straat|Plein|Gracht|Kade|utca|útja|út|u\.|tér|tere|köz|sor|fasor|körút|rkp\.|krt\.|"
    r"sétány|tee|iela|gatvė"
)
# Endings of street names that no English word has, so they count in lower case as well
# ("hersnapvej 18", "tawastintie" has an English-like ending and does not).
SUFFIX_ANY_CASE = (
    r"strasse|straße|gasse|vej|veien|vegen|gata|gatan|gaten|vägen|katu|kuja|straat|laan|"
    r"gracht|plein|utca|stræde"
)
DESIGNATOR = r"(?:Suite|Ste\.|Apt\.?|Apartment|Flat|Unit|Level|Lvl|Room|Rm)"
#: A unit with its number: a part of an address, and an address on its own for
#: Suite/Apt/Apartment/Flat ("Unit 3", "Level 3", "Room 101" alone are too often not).
UNIT = rf"{DESIGNATOR}[ \t]*#?{HOUSE}\b\.?"
UNIT_ALONE = (
    rf"(?<![\w-])(?:Suite|Ste\.|Apt\.?|Apartment|Flat)[ \t]*#?\d{{1,5}}[A-Za-z]?\b(?!\.\d)"
    rf"{_NOT_HOUSE_AFTER}"
)

_CORES = [
    # number first: "12A Tui Street", "Flat 3/45 Cuba St", "175 Iroon Polytechniou Avenue"
    rf"(?<![\w/.,-])(?:{DESIGNATOR}[ \t]+)?{HOUSE},?[ \t]+"
    rf"(?:{NAME}[ \t]+){{1,4}}(?:{STREET_TYPES})\b\.?"
    r"(?:[ \t]+(?:North|South|East|West|Extension|Upper|Lower)\b)?",
    # number then a street word that comes first: "36 Rue de Tanger", "62 Rue Gafsa"
    rf"(?<![\w/.,-]){HOUSE},?[ \t]+(?:{TYPE_FIRST})[ \t]+(?:{_LOWER_NAME}|{NAME})"
    rf"(?:[ \t]+(?:{_LOWER_NAME}|{NAME})){{0,3}}(?:[ \t]+{HOUSE}\b)?",
    # street word first, number last: "Via Roma 131", "ul. Biskupa Bogedaina 118"
    rf"(?<![\w.])(?:{TYPE_FIRST})[ \t]+(?:(?:{_LOWER_NAME}|{NAME})[ \t]+){{1,4}}"
    rf"{HOUSE}\b(?!\d){_NOT_HOUSE_AFTER}",
    # compound street names: "Friedhofstrasse 33", "Gesterbyntie 68", "Snellmaninkatu 55"
    rf"(?<![\w.])(?:{NAME}[ \t]+){{0,2}}{UP}[\w'’-]*?(?:{SUFFIX_JOINED})[ \t]+{HOUSE}\b"
    rf"(?!\d){_NOT_HOUSE_AFTER}",
    # street word as its own word after the name: "Villacher Strasse 89", "Rákóczi út 13."
    # (the full stop after a Hungarian house number is part of it)
    rf"(?<![\w.]){NAME}[ \t]+(?:[^\W\d_][\w'’.-]*[ \t]+){{0,2}}(?:{SUFFIX_WORD})[ \t]+{HOUSE}\b\.?"
    rf"(?!\d){_NOT_HOUSE_AFTER}",
    rf"(?<![\w.])[^\W\d_][\w'’-]*?(?:{SUFFIX_ANY_CASE})[ \t]+{HOUSE}\b(?!\d){_NOT_HOUSE_AFTER}",
    # military mail: "PSC 3294, Box 9168", "Unit 5477 Box 8244", "USNV Vincent\nFPO AA 68422"
    r"(?<!\w)(?i:PSC|CMR|Unit)[ \t]+\d{3,5},?[ \t]+(?i:Box)[ \t]+\d{3,5}\b",
    r"(?<!\w)(?i:USNS|USNV|USS|USCGC)[ \t]+[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*)?"
    r"(?=[ \t]*\n?[ \t]*(?i:[AFD]PO)\b)",
    # the same street words in lower case, where no English word reads like them
    rf"(?<![\w.]){_TYPE_FIRST_LOWER}[ \t]+(?:[^\W\d_][\w'’-]*[ \t]+){{1,4}}{HOUSE}\b(?!\d)"
    rf"{_NOT_HOUSE_AFTER}",
    r"(?<!\w)(?i:[AFD]PO[ \t]+A[AEP])[ \t]+\d{5}\b",
    # postal boxes: "PO Box 123", "P.O. Box 211", "Private Bag 1234", "Postbox 53"
    r"(?<!\w)(?i:P\.?[ \t]?O\.?[ \t]?Box|Post[ \t]?Office[ \t]Box|Private[ \t]Bag|Postbox|"
    r"Postboks|Postfach|Postbus|Apartado|Caixa[ \t]Postal|Skrytka[ \t]pocztowa|Locked[ \t]Bag|"
    r"GPO[ \t]Box)[ \t]+\d{1,6}\b",
    UNIT_ALONE,
]
CORE = _Lazy("|".join(f"(?:{c})" for c in _CORES))

#: Between parts of one address: a comma, or line breaks (with an e-mail quote marker).
_SEP = r"(?:[ \t]*,[ \t]*\n?|[ \t]*\n(?:[ \t>]*\n)?)[ \t>]*"
_REGION_POST = r"(?:[ \t]+[A-Z]{2,3}\b)?(?:[ \t]+\d{3,6}(?:-\d{3,4})?|[ \t]+\d{2}-\d{3})?"
_PLACE = (
    rf"{NAME}(?:[ \t]+(?:{PARTICLE}[ \t]+)?{NAME}){{0,3}}(?:[ \t]*\([^()\n]{{1,30}}\))?"
    rf"{_REGION_POST}"
)
#: What may follow an address core: a unit, RD number, place with region code and postcode,
#: region code and postcode, or a postcode (with the place after it, as in "00184 Roma"),
#: each after a comma or on the next line.
_TAIL = _Lazy(
    rf"(?:[ \t]*,?[ \t]+|{_SEP})(?i:{UNIT}|Box[ \t]+\d{{1,6}}\b)"
    rf"|{_SEP}(?:RD[ \t]?\d{{1,2}}\b|(?i:[AFD]PO[ \t]+A[AEP])[ \t]+\d{{5}}\b"
    rf"|{_PLACE}(?![\w'’-])|[A-Z]{{2,3}}[ \t]+\d{{4,6}}\b"
    rf"|(?:\d{{4,6}}(?:-\d{{3,4}})?|\d{{2}}-\d{{3}})\b(?:[ \t]+{NAME_RUN}(?![\w'’-]))?)"
    rf"|[ \t]+\d{{4}}\b(?=[ \t]*(?:[\n,.;!?)]|$))"
    # more of the street's name before a unit that follows: "Storgarden 52 Trajanka Forks\n Apt. 4"
    rf"|[ \t]+{NAME_RUN}(?=(?:[ \t]*,?[ \t]+|{_SEP}){UNIT})"
)
#: A building number written before the street's own number: "5366 Pivovarská 276".
_LEAD_NUMBER = re.compile(r"(?<![\w.,/-])\d{1,5}[ \t]+$")
_LEAD_UNIT = _Lazy(rf"(?<![\w-]){UNIT},?[ \t]+$")
_TAIL_LIMIT = 6

#: Words that say an address comes next. After one, a looser shape counts ("lives at
#: Pivovarská 276"): a name and a house number, with no street word.
CUE = _Lazy(
    r"(?:\baddress(?:\s+is)?|\blives?\s+(?:at|on)|\bliving\s+(?:at|on)|\bmoved\s+to|"
    r"\blocated\s+at|\bbased\s+at|\bstay(?:s|ing)?\s+at|\breside[sd]?\s+at|\bresiding\s+at|"
    r"\b(?:send|sent|deliver|delivered|post|posted|mail|mailed|return|returned|ship|shipped)"
    r"(?:\s+\w+){0,3}\s+to|\bdrops?\s+(?:\w+\s+)?off\s+at|\bpick\s+(?:\w+\s+)?up\s+at|"
    r"\bcorner\s+of|\bhouse\s+(?:is\s+)?(?:at|on)|\bflat\s+(?:is\s+)?(?:at|on))"
    r"[ \t]*(?::|\bis\b|\bwith\b)?[ \t]*(?:the\s+)?",
    re.IGNORECASE,
)
_LOOSE = rf"(?:{HOUSE}[ \t]+){{0,2}}{NAME_RUN}[ \t]+(?P<num>{HOUSE})\b(?!\d){_NOT_HOUSE_AFTER}"
LOOSE = _Lazy(
    rf"{_LOOSE}|(?i:{HOUSE}[ \t]+(?:[^\W\d_][\w'’-]*[ \t]+){{1,4}}(?:{STREET_TYPES})\b\.?)"
)
#: Without a cue the loose shape counts when a unit follows it: "Allika 46\n Suite 501".
LOOSE_UNIT = _Lazy(rf"(?<![\w.]){_LOOSE}(?=(?:[ \t]*,?[ \t]+|{_SEP}){UNIT})")
#: An intersection: "the corner of Beiteveien 2 and Sieda Radial" is one place.
_CORNER_BEFORE = re.compile(r"\bcorner\s+of\s+(?:the\s+)?$", re.IGNORECASE)
_CORNER_AND = _Lazy(rf"[ \t]+(?:and|&)[ \t]+(?:{HOUSE}[ \t]+)?{NAME_RUN}")


def find(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, strong) for each address in the text; strong is False for a lone unit.

    Parts only whitespace or commas apart are one address, so "Apt. 117 5720 Skoanveien 226"
    comes back whole.
    """
    if not _DIGIT.search(text):  # every address form has a number; most posts have none
        return []
    spans: list[list[int]] = []
    for (s, e), core in _cores(text):
        span = _whole(text, s, e, core)
        if span is not None:
            spans.append(span)
    return [(s, e, bool(strong)) for s, e, strong in _merged(text, spans)]


def _cores(text: str) -> list[tuple[tuple[int, int], str]]:
    """Every address core: the strict shapes, the loose shape after a cue word, and the loose
    shape with a unit after it."""
    cores = [(m.span(), m.group()) for m in CORE.finditer(text)]
    for cue in CUE.finditer(text):
        m = LOOSE.match(text, cue.end())
        if m is not None and _loose_ok(text, m):
            cores.append((m.span(), m.group()))
    cores += [(m.span(), m.group()) for m in LOOSE_UNIT.finditer(text) if _loose_ok(text, m)]
    return cores


def _whole(text: str, s: int, e: int, core: str) -> list[int] | None:
    """[start, end, strong] of the address around a core: a building number or unit before
    it, the other street of a corner, and its tail (unit, place, postcode). None where the
    core's number reads as a count or label."""
    if text[s].isdigit() and _NOT_HOUSE_BEFORE.search(text, max(0, s - 20), s):
        return None
    lone = UNIT_ALONE_RX.fullmatch(core) is not None
    head = text[max(0, s - 40) : s]
    for rx in (_LEAD_NUMBER, _LEAD_UNIT):
        lead = rx.search(head)
        if lead is not None:
            s -= len(head) - lead.start()
            head = text[max(0, s - 40) : s]
    if _CORNER_BEFORE.search(text, max(0, s - 20), s):
        other = _CORNER_AND.match(text, e)
        if other is not None:
            e = other.end()
    for _ in range(_TAIL_LIMIT):
        t = _TAIL.match(text, e)
        if t is None or t.end() == e:
            break
        e = t.end()
    return [s, e, 0 if lone else 1]


def _merged(text: str, spans: list[list[int]]) -> list[list[int]]:
    """Overlapping spans, and spans only whitespace or commas apart, as one (strong if any
    part is)."""
    out: list[list[int]] = []
    for s, e, strong in sorted(spans):
        if out and (s < out[-1][1] or _JOIN.fullmatch(text, out[-1][1], s)):
            out[-1][1] = max(out[-1][1], e)
            out[-1][2] |= strong
        else:
            out.append([s, e, strong])
    return out


def _loose_ok(text: str, m: re.Match[str]) -> bool:
    """A loose match whose number reads as a count or label ("Gate 12") is no address."""
    num = m.start("num")
    return num < 0 or not _NOT_HOUSE_BEFORE.search(text, m.start(), num)


#: A street name and type straight after a number: "2437 Main St", "12 34 Kowhai Road".
_STREET_AHEAD = _Lazy(rf"[ \t]+(?:{NAME}[ \t]+){{1,4}}(?:{STREET_TYPES})\b")


def street_follows(text: str, pos: int) -> bool:
    """Whether a capitalised street name and street type start right at `pos`: the digits
    before it are then a house number, whatever else their shape suggests."""
    return _STREET_AHEAD.match(text, pos) is not None


UNIT_ALONE_RX = _Lazy(UNIT_ALONE)
_DIGIT = re.compile(r"\d")
_JOIN = re.compile(r"[ \t,]*\n?[ \t>]*")
