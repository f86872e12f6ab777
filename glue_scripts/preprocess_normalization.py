"""Text normalisation, the contract between training and serving (glue_scripts/NORMALIZATION.md).

The TypeScript client (shared/src/normalize.ts) reproduces it byte for byte; both are tested against
normalization_vectors.json. Changing it means a new NORMALIZATION_VERSION here and in normalize.ts: the job
records the version in each manifest, the pipeline tags each model with it, and the prediction client refuses a
model of another version. Standard library only.
"""
from __future__ import annotations

import re

NORMALIZATION_VERSION = "1"

LOWERCASE_RANGES = ((0x0000, 0x058F), (0x1E00, 0x1FFF), (0x2100, 0x218F), (0x24B6, 0x24E9), (0xFF21, 0xFF3A))
ASCII_PUNCTUATION = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
UNICODE_PUNCTUATION = (
    "\u00a1\u00ab\u00bb\u00bf"
    + "".join(chr(cp) for cp in range(0x2010, 0x2016))
    + "".join(chr(cp) for cp in range(0x2018, 0x2020))
    + "\u2026\u2039\u203a"
)
UNICODE_SEPARATORS = (
    "".join(chr(cp) for cp in range(0x80, 0xA1))
    + "\u1680"
    + "".join(chr(cp) for cp in range(0x2000, 0x200C))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# One byte-to-byte table for the ASCII part: A-Z to a-z, every control but "\n" (the row delimiter inside a batch)
# to a space. Bytes >= 0x80 (UTF-8 sequences) are left alone.
_ASCII_CONTROLS = bytes(list(range(0x00, 0x0A)) + list(range(0x0B, 0x20)) + [0x7F])
_ASCII_TABLE = bytes.maketrans(bytes(range(0x41, 0x5B)) + _ASCII_CONTROLS,
                               bytes(range(0x61, 0x7B)) + b" " * len(_ASCII_CONTROLS))
_SPACED_ASCII_PUNCTUATION = [(ASCII_PUNCTUATION[i:i + 1], b" %c " % ASCII_PUNCTUATION[i])
                             for i in range(len(ASCII_PUNCTUATION))]


def _non_ascii_replacements():
    """The per-code-point rewrites needed beyond ASCII: lowercase mappings, spaced punctuation, separators."""
    table = {}
    for start, end in LOWERCASE_RANGES:
        for cp in range(max(start, 0x80), end + 1):
            lowered = chr(cp).lower()
            if lowered != chr(cp):
                table[chr(cp)] = lowered
    for ch in UNICODE_PUNCTUATION:
        table[ch] = " %s " % ch
    for ch in UNICODE_SEPARATORS:
        table[ch] = " "
    return table


def _character_class(chars):
    """A regex character class matching exactly `chars`, written as ranges."""
    points = sorted(ord(ch) for ch in chars)
    parts = []
    start = previous = points[0]
    for cp in points[1:] + [None]:
        if cp is not None and cp == previous + 1:
            previous = cp
            continue
        parts.append(re.escape(chr(start)) if start == previous else
                     "%s-%s" % (re.escape(chr(start)), re.escape(chr(previous))))
        if cp is not None:
            start = previous = cp
    return "[" + "".join(parts) + "]"


_NON_ASCII_REPLACEMENTS = _non_ascii_replacements()
_NON_ASCII_SPECIAL_RE = re.compile(_character_class(_NON_ASCII_REPLACEMENTS))


def _replace_non_ascii_special(match):
    return _NON_ASCII_REPLACEMENTS[match.group()]


def normalize_batch(texts):
    """Normalises a list of UTF-8 texts (bytes), returning the normalised texts (bytes) in the same order.

    The character-level work runs once over the whole batch joined by newlines, in a handful of C calls
    (translate, one replace per punctuation mark present); only the whitespace squeeze runs per row, as
    split + join, which profiling showed cheaper than squeezing the batch with repeated replace("  ", " ").
    """
    if not texts:
        return []
    joined = b"\n".join(texts)
    if joined.count(b"\n") != len(texts) - 1:  # some text holds a newline: it is a separator anyway
        joined = b"\n".join([text.replace(b"\n", b" ") for text in texts])
    if not joined.isascii():
        joined = _NON_ASCII_SPECIAL_RE.sub(_replace_non_ascii_special, joined.decode("utf-8")).encode("utf-8")
    joined = joined.translate(_ASCII_TABLE)
    for mark, spaced in _SPACED_ASCII_PUNCTUATION:
        if mark in joined:
            joined = joined.replace(mark, spaced)
    join = b" ".join
    return [join(row.split()) for row in joined.split(b"\n")]


def normalize_text(text):
    """Normalises one text (str -> str), exactly as NORMALIZATION.md specifies."""
    return normalize_batch([text.encode("utf-8")])[0].decode("utf-8")


def normalize_title_content(title, content):
    """Normalises a title and a content joined by one space."""
    return normalize_text(title + " " + content)
