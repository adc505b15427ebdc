"""`privacy`: someone else's personal information in a post.

Identifiers are validated, not just pattern-matched: IRD numbers and NHI numbers carry check
digits, card numbers pass Luhn (or are named as a card), IBANs pass mod 97 and IPv6 addresses
parse, so a random run of digits (an order number, a date) does not read as a tax number.
Each item counts once, however many patterns read it. Work-specific disclosure ("my client
... lives at ...") is matched as client + personal detail in one sentence.
"""

from __future__ import annotations

import ipaddress
import re

from postcheck.detect import addresses
from postcheck.detect.base import Doc, fold, make_signal, noisy_or, sentences
from postcheck.shapes import Signal

THRESHOLD = 0.5

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
ROLE_MAILBOX = re.compile(
    r"^(info|contact|enquiries|inquiries|hello|help|support|media|admin|office|reception|"
    r"feedback|complaints|oia|privacy|news|press|sales|service|team)@",
    re.IGNORECASE,
)
PHONE_NZ = re.compile(
    r"(?<![\w+])(?:\+?64[\s-]?|0)(?:2\d[\s-]?\d{3,4}[\s-]?\d{3,4}|[3-79][\s-]?\d{3}[\s-]?\d{4})(?!\w)"
)
PHONE_FREE = re.compile(r"(?<!\d)0(?:800|508)[\s-]?\d{3}[\s-]?\d{3,4}(?!\d)")
PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?x\d{1,5})?(?!\w)"
)
PHONE_PLUS = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.-]?\d{1,4}){3,5}(?!\w)")
# Any other phone format (European, Asian, odd groupings) is too like other numbers to match
# on shape alone; it counts when a phone cue sits just before it or a line label just after.
# A hyphen ends a number only when a word follows it ("(37) 788-063-Office", "966-Fax"):
# "12-34" is one run of digits, never a number and a bit of another.
PHONE_GENERIC = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?\(?\d[\d\s().-]{5,17}\d(?!\w|-(?![^\W\d_]))"
)
# A cue starts a word: "fax" in "Sfaxi", "ring" in "during", "text" in "context" is none.
PHONE_CUE_BEFORE = re.compile(
    r"\b(phone|ph|call|tel|telephone|mobile|mob|cell|fax|contact|reach|text|txt|"
    r"whatsapp|ring|dial|landline|messages to|registered|answering|voicemail)"
    r"\W{0,3}(?:\w+\W{1,3}){0,4}$",
    re.IGNORECASE,
)
PHONE_CUE_AFTER = re.compile(r"^\s*-?\s*\(?(office|mobile|cell|home|work|fax|landline)\b", re.I)


def cued_phones(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Phone numbers in any format that the words around them mark as phone numbers."""
    out = []
    for m in PHONE_GENERIC.finditer(text):
        start, end = m.span()
        # A bracketed area code after a space starts the number: in "Hungary 34796 (37)
        # 788-063" the postcode is not part of it (after a "+64" country code it is).
        area = m.group().find(" (")
        if area > 0 and not m.group().startswith("+"):
            start += area + 1
        digits = "".join(ch for ch in text[start:end] if ch.isdigit())
        if not 7 <= len(digits) <= 15 or any(s < end and start < e for s, e in taken):
            continue
        if digits.startswith(("0800", "0508")):  # NZ freephone numbers are public lines
            continue
        before = text[max(0, start - 40) : start]
        after = text[end : end + 15]
        if (
            PHONE_CUE_BEFORE.search(before) or PHONE_CUE_AFTER.match(after)
        ) and not addresses.street_follows(text, end):
            out.append((start, end))
    return out


IRD = re.compile(r"(?<![\w-])(\d{2,3})[\s-]?(\d{3})[\s-]?(\d{3})(?![\w-])")
NHI_OLD = re.compile(r"(?<![A-Za-z0-9])([A-HJ-NP-Z]{3})(\d{4})(?![A-Za-z0-9])")
NHI_NEW = re.compile(r"(?<![A-Za-z0-9])([A-HJ-NP-Z]{3})(\d{2})([A-HJ-NP-Z]{2})(?![A-Za-z0-9])")
# Runs of digit groups not glued to letters ("U6292878..." is a licence, "GB90YNTU6729..." an
# IBAN), in groups of three or more as cards are printed, not a list ("2 3 4 5 ... 13").
CARD = re.compile(r"(?<![\w-])\d{3,}(?:[ -]\d{3,})*(?![\d-])")
_GROUP = re.compile(r"\d+")
# A card named just before the digits makes them a card number without a valid Luhn check
# digit (a mistyped or made-up one is still meant as a card number).
CARD_CUE = re.compile(
    r"\b(?:cards?|cc|visa|master\s?card|amex|american express|eftpos|maestro|diners)\b"
    r"\W{0,3}(?:\w+\W{1,3}){0,3}$",
    re.IGNORECASE,
)
# People type IBANs in lower case too ("gb42nawi0445..."); the mod-97 check decides.
IBAN = re.compile(
    r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Z0-9])",
    re.IGNORECASE,
)
IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
)
# IPv6 in full or "::"-compressed form, with an IPv4 tail allowed ("::ffff:192.0.2.1"); the
# standard library decides what is valid, so times ("12:30:45") and MAC addresses (six groups)
# never count.
IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:(?<=:)(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\d)"
)
CLIENT = re.compile(
    r"(?:(?<!\w)(?:my|our|a|the|this|one of (?:my|our))\s+|^\s*)"
    r"(client|clients|patient|patients|customer|"
    r"beneficiary|beneficiaries|applicant|case|claimant|student|offender|inmate|prisoner|"
    r"tenant|caller|service user|whaiora|tamaiti|rangatahi)(?!\w)"
    # a job or a service named after the people it serves is not one of them: "a Case
    # Manager", "the client services team", "student loan"
    r"(?!\s+(?:manager|managers|worker|workers|officer|officers|owner|owners|lead|advisor|"
    r"adviser|advisers|advisors|coordinator|co-ordinator|services?|support|experience|safety|"
    r"care|advocate|advocacy|loan|loans|allowance|journey|portal|centre|center|team|desk)\b)",
    re.IGNORECASE,
)
PERSONAL_DETAIL = re.compile(
    r"(?<!\w)(lives at|lives in|address is|home address|phone number|number is|date of birth|"
    r"dob|born on|birthday is|diagnosed with|diagnosis|hiv|pregnant|miscarriage|mental health|"
    r"psychiatric|on the benefit|on a benefit|criminal record|convictions?|arrested|in prison|"
    r"was charged|rehab|addiction|debt of|owes|in debt|abuse history|care and protection|"
    r"uplifted|custody|name is|called [A-Z]|surname|off (?:her|his|their) face|drunk|high as|"
    r"overdosed?|self-harm|suicidal|on parole|on bail)(?!\w)",
    re.IGNORECASE,
)
NAME = re.compile(r"(?<![\w.])[A-Z][a-z]{1,20}(?:\s+[A-Z][a-z'’-]{1,20})+")

_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # NHI alphabet: no I or O


def ird_valid(digits: str) -> bool:
    """Inland Revenue's published check-digit algorithm (mod 11, two weight sets)."""
    if not digits.isdigit() or len(digits) not in (8, 9):
        return False
    digits = digits.zfill(9)
    n = int(digits)
    if not 10_000_000 < n < 150_000_000:
        return False
    base, check = digits[:8], int(digits[8])
    for weights in ((3, 2, 7, 6, 5, 4, 3, 2), (7, 4, 3, 2, 5, 2, 7, 6)):
        r = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
        c = 0 if r == 0 else 11 - r
        if c != 10:
            return c == check
    return False


def nhi_valid(nhi: str) -> bool:
    """Ministry of Health NHI check: mod 11 for AAANNNN, mod 23 for AAANNAX."""
    nhi = nhi.upper()
    if len(nhi) != 7 or any(c not in _LETTERS for c in nhi[:3]):
        return False
    vals = [_LETTERS.index(c) + 1 for c in nhi[:3]]
    if nhi[3:].isdigit():
        total = sum(v * w for v, w in zip(vals, (7, 6, 5), strict=True))
        total += sum(int(d) * w for d, w in zip(nhi[3:6], (4, 3, 2), strict=True))
        r = total % 11
        if r == 0:
            return False
        check = (11 - r) % 10
        return check == int(nhi[6])
    if nhi[3:5].isdigit() and nhi[5] in _LETTERS and nhi[6] in _LETTERS:
        total = sum(v * w for v, w in zip(vals, (7, 6, 5), strict=True))
        total += int(nhi[3]) * 4 + int(nhi[4]) * 3 + (_LETTERS.index(nhi[5]) + 1) * 2
        r = total % 23
        check = 23 - r
        return _LETTERS[check - 1] == nhi[6]
    return False


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616: 15-34 characters whose rearranged digits leave 1 mod 97, with an account
    part that has digits in it (a run of letters and digits in a tweet seldom passes both)."""
    iban = iban.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34 or sum(c.isdigit() for c in iban[4:]) < 6:
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def ipv6_valid(candidate: str) -> bool:
    """A valid IPv6 address that could be someone's: not loopback or unspecified ("::1",
    "::"), and with at least three groups, one of three or more digits, which ratios and
    emoticon-like runs of colons ("1:1::2") do not have."""
    try:
        addr = ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    groups = [g for g in candidate.split(":") if g]
    if addr.is_loopback or addr.is_unspecified or len(groups) < 3:
        return False
    return any(len(g) >= 3 for g in groups)


def cards(text: str) -> list[tuple[tuple[int, int], float]]:
    """Card numbers with their scores: 13-19 digits passing Luhn anywhere, and 12-19 digits
    without it where a card is named just before them (scored lower).

    A run of groups may go on past the card ("4111 1111 1111 1111 2027" with its expiry
    year), so the card is the longest run of whole groups from its start that qualifies.
    """
    out = []
    for m in CARD.finditer(text):
        ends, count = [], 0
        for g in _GROUP.finditer(m.group()):
            count += len(g.group())
            if 12 <= count <= 19:
                ends.append(m.start() + g.end())
        cued = CARD_CUE.search(text, max(0, m.start() - 40), m.start()) is not None
        valid = [e for e in ends if luhn_valid(text[m.start() : e])]
        if valid:
            out.append(((m.start(), valid[-1]), 0.9))
        elif cued and ends:
            out.append(((m.start(), ends[-1]), 0.7))
    return out


#: A finding: (score, start, end, kind).
Found = tuple[float, int, int, str]

#: Kinds that are not someone's personal information: public freephone lines.
_PUBLIC_KINDS = frozenset({"phone-tollfree"})


def identifiers(text: str, folded: str | None = None) -> list[Found]:
    """Every personal identifier in the text, each item once.

    The one place both the signal (`PrivacyDetector`) and the typed spans (`entities`) come
    from, so what is flagged and what is redacted never disagree.
    """
    folded = fold(text) if folded is None else folded
    # Order matters: where two patterns find the same span, the first one's kind is kept.
    found = _emails(text)
    phones, taken = _phones(text)
    found += phones
    found += _ird_numbers(text, folded, taken)
    for finder in (_nhi_numbers, _card_numbers, _ibans, _ip_addresses, _street_addresses):
        found += finder(text)
    return dedupe(found)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in taken)


def _emails(text: str) -> list[Found]:
    return [
        (0.3 if ROLE_MAILBOX.match(m.group()) else 0.8, *m.span(), "email")
        for m in EMAIL.finditer(text)
    ]


def _phones(text: str) -> tuple[list[Found], list[tuple[int, int]]]:
    """Phone numbers, and the spans they take (where an IRD number is not looked for)."""
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for rx, score, kind in (
        (PHONE_FREE, 0.15, "phone-tollfree"),
        (PHONE_NZ, 0.8, "phone"),
        (PHONE_INTL, 0.75, "phone"),
        (PHONE_PLUS, 0.75, "phone"),
    ):
        for m in rx.finditer(text):
            if _overlaps(m.span(), taken):
                continue
            # Digits running straight into "Main St" are a house number ("03262 2437 Main St").
            if addresses.street_follows(text, m.end()):
                continue
            taken.append(m.span())
            found.append((score, *m.span(), kind))
    for span in cued_phones(text, taken):
        taken.append(span)
        found.append((0.75, *span, "phone"))
    return found, taken


def _ird_numbers(text: str, folded: str, taken: list[tuple[int, int]]) -> list[Found]:
    found: list[Found] = []
    for m in IRD.finditer(text):
        if _overlaps(m.span(), taken):
            continue
        if ird_valid("".join(m.groups())):
            near = "ird" in folded[max(0, m.start() - 30) : m.start()]
            found.append((0.95 if near else 0.75, *m.span(), "ird-number"))
    return found


def _nhi_numbers(text: str) -> list[Found]:
    return [
        (0.9, *m.span(), "nhi-number")
        for rx in (NHI_OLD, NHI_NEW)
        for m in rx.finditer(text)
        if nhi_valid(m.group())
    ]


def _card_numbers(text: str) -> list[Found]:
    return [(score, *span, "card-number") for span, score in cards(text)]


def _ibans(text: str) -> list[Found]:
    found: list[Found] = []
    for m in IBAN.finditer(text):
        start, end = m.span()
        # The pattern may take a short word after the number ("... 1332 is mine"): drop
        # trailing groups until the checksum holds.
        while not iban_valid(text[start:end]) and " " in text[start:end]:
            end = text.rindex(" ", start, end)
        if iban_valid(text[start:end]):
            found.append((0.85, start, end, "iban"))
    return found


def _ip_addresses(text: str) -> list[Found]:
    found: list[Found] = [(0.6, *m.span(), "ip-address") for m in IPV4.finditer(text)]
    found += [(0.6, *m.span(), "ip-address") for m in IPV6.finditer(text) if ipv6_valid(m.group())]
    return found


def _street_addresses(text: str) -> list[Found]:
    # A unit on its own ("Apt. 117") is part of an address, too little to flag alone.
    return [
        (0.8 if strong else 0.45, s, e, "street-address") for s, e, strong in addresses.find(text)
    ]


def dedupe(found: list[Found]) -> list[Found]:
    """Each item once: the same span found by two patterns counts once (at its best score),
    and a span wholly inside a longer finding is that finding read again (an IBAN's digit
    tail as a card number, a house number as a phone number), not a second item."""
    best: dict[tuple[int, int], Found] = {}
    for f in found:  # one kind per span: the first, most specific pattern's, at the best score
        key = (f[1], f[2])
        if key not in best:
            best[key] = f
        elif f[0] > best[key][0]:
            best[key] = (f[0], f[1], f[2], best[key][3])
    spans = sorted(best.values(), key=lambda f: (f[1], -f[2]))
    out: list[Found] = []
    # Sorted by start, so every kept span starts at or before f: f lies inside one of them
    # exactly when the furthest end kept so far reaches f's end (one pass, not pairs: a
    # post full of e-mail addresses used to cost seconds).
    reach = -1
    for f in spans:
        if f[2] <= reach:
            continue
        out.append(f)
        reach = max(reach, f[2])
    return out


# The author's own contact details ("text me on 027...", "my email is ...") are not someone
# else's personal information (codebook: privacy). `identifiers` still finds them, so the
# moderation queue can offer to blank them on a public page.
OWN_CONTACT = re.compile(
    r"(?<!\w)(?:(?:call|text|txt|ring|email|e-mail|message|msg|phone|reach|contact|dm|pm|"
    r"whatsapp|flick)\s+(?:me|us)|my\s+(?:number|mobile|cell|phone|email|e-mail|address)"
    r"|our\s+(?:number|email|e-mail))\b(?P<gap>[^.!?\n]{0,50})$",
    re.IGNORECASE,
)
# "Call me if you see her, her number is ...": someone else's details after all.
_THIRD_PERSON = re.compile(r"\b(?:her|his|their|[A-Z][a-z]+['’]s)\b")
_CONTACT_KINDS = frozenset({"phone", "email"})


#: The promoter statement the Electoral Act asks of election material ("Authorised by J.
#: Tuhiwai, 12 Jackson St, Petone"): the campaign's own published address, not someone's
#: private details.
_AUTHORISED = re.compile(r"\b(?:authori[sz]ed|promoted) by\b[^!?\n]{0,60}$", re.IGNORECASE)


def _own(text: str, found: Found) -> bool:
    if found[3] == "street-address":
        return _AUTHORISED.search(text[max(0, found[1] - 70) : found[1]]) is not None
    if found[3] not in _CONTACT_KINDS:
        return False
    m = OWN_CONTACT.search(text[max(0, found[1] - 80) : found[1]])
    return m is not None and not _THIRD_PERSON.search(m.group("gap"))


class PrivacyDetector:
    signals: tuple[str, ...] = ("privacy",)

    def detect(self, doc: Doc) -> list[Signal]:
        text = doc.text
        found = [
            (0.2, f[1], f[2], "own-contact") if _own(text, f) else f
            for f in identifiers(text, doc.folded)
        ]
        for s, e in sentences(text):
            sent = text[s:e]
            c = CLIENT.search(sent)
            if not c:
                continue
            details = list(PERSONAL_DETAIL.finditer(sent))
            names = [n for n in NAME.finditer(sent) if n.start() > 0]
            if details or names:
                spans = [(s + c.start(), s + c.end())]
                spans += [(s + d.start(), s + d.end()) for d in details]
                spans += [(s + n.start(), s + n.end()) for n in names[:2]]
                score = 0.85 if details else 0.6
                for a, b in spans:
                    found.append((score, a, b, "client-details"))
        score = noisy_or(f[0] for f in found) if found else 0.0
        score = min(score, max((f[0] for f in found), default=0.0) + 0.1)
        return [
            make_signal(
                doc,
                "privacy",
                score,
                THRESHOLD,
                [(f[1], f[2]) for f in found if f[0] >= 0.5],
                [f[3] for f in found],
            )
        ]


def entities(text: str) -> list[tuple[str, int, int]]:
    """Typed personal-information spans (kind, start, end), for evaluation and redaction:
    each item once, in text order."""
    return [(k, s, e) for _, s, e, k in identifiers(text) if k not in _PUBLIC_KINDS]
