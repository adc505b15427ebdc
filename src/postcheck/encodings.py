"""Which text encoding a file's opening bytes show: the one sniffer for every input.

Exports and batch files written by Windows tools (LinkedIn's 2018 CSVs, a JSONL file saved
from PowerShell) are UTF-16, sometimes without a byte-order mark; there every other byte of
ASCII text is zero, which UTF-8 text never has. NULs in any other pattern mean binary data.
"""

from __future__ import annotations

import codecs

BOMS = (
    # UTF-32 before UTF-16: the UTF-32 LE mark begins with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

SNIFF_BYTES = 4096


def sniff(head: bytes) -> tuple[str | None, int]:
    """(codec, length of its byte-order mark), or (None, 0) for binary data."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    sample = head[:SNIFF_BYTES]
    if b"\x00" not in sample:
        return "utf-8", 0
    half = len(sample) // 2
    if half >= 2:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le", 0
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be", 0
    return None, 0
