#!/usr/bin/env python3
"""Writes normalization_vectors.json, the test vectors of NORMALIZATION.md.

The hand-written cases carry their expected output literally (reviewed by hand, not computed by the
implementation under test). The two exhaustive cases are derived from the spec's definitions with the
Unicode database of the Python running this script, one code point at a time, independently of
preprocess_normalization.py. Run it only when the spec changes: `python3 glue_scripts/build_normalization_vectors.py`.
"""
import json
import os

VERSION = "1"

LOWERCASE_RANGES = ((0x0000, 0x058F), (0x1E00, 0x1FFF), (0x2100, 0x218F), (0x24B6, 0x24E9), (0xFF21, 0xFF3A))
ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
UNICODE_PUNCTUATION = (
    "\u00a1\u00ab\u00bb\u00bf"
    + "".join(chr(cp) for cp in range(0x2010, 0x2016))
    + "".join(chr(cp) for cp in range(0x2018, 0x2020))
    + "\u2026\u2039\u203a"
)
SEPARATORS = set(
    [chr(cp) for cp in range(0x00, 0x21)]
    + [chr(cp) for cp in range(0x7F, 0xA1)]
    + ["\u1680", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"]
    + [chr(cp) for cp in range(0x2000, 0x200C)]
)

HAND_WRITTEN = [
    {"name": "ascii words", "text": "Hello World", "expected": "hello world"},
    {
        "name": "dbpedia row (title and content)",
        "title": "Clifford Thomas Ward",
        "content": "Clifford Thomas Ward ( 10 February 1944 18 December 2001 ) was a popular English "
        "singer-songwriter best known for his career as a solo artist .",
        "expected": "clifford thomas ward clifford thomas ward ( 10 february 1944 18 december 2001 ) was a "
        "popular english singer - songwriter best known for his career as a solo artist .",
    },
    {"name": "apostrophes", "text": "Don't stop: it's O'Neil's!", "expected": "don ' t stop : it ' s o ' neil ' s !"},
    {"name": "double and single quotes", "text": "He said \"hi\" and 'bye'", "expected": "he said \" hi \" and ' bye '"},
    {
        "name": "typographic quotes and dashes",
        "text": "\u201cSmart\u201d \u2018quotes\u2019\u2014and\u2026 dashes \u2013 here",
        "expected": "\u201c smart \u201d \u2018 quotes \u2019 \u2014 and \u2026 dashes \u2013 here",
    },
    {
        "name": "digits, decimals, currency",
        "text": "In 1999, 3.5% of U.S. GDP was $1,000.50",
        "expected": "in 1999 , 3 . 5 % of u . s . gdp was $ 1 , 000 . 50",
    },
    {"name": "tabs and newlines", "text": "line one\tword\r\nline two\n\n  end  ", "expected": "line one word line two end"},
    {"name": "empty", "text": "", "expected": ""},
    {"name": "separators only", "text": " \t\n\u00a0\u3000\u200b\ufeff", "expected": ""},
    {"name": "punctuation only", "text": "...", "expected": ". . ."},
    {"name": "latin accents", "text": "\u00c9cole \u00dcn\u00efc\u00f6d\u00e9 \u00c0\u00c9\u00ce\u00d5\u00dc Stra\u00dfe \u1e9e", "expected": "\u00e9cole \u00fcn\u00efc\u00f6d\u00e9 \u00e0\u00e9\u00ee\u00f5\u00fc stra\u00dfe \u00df"},
    {"name": "greek sigma has no final form", "text": "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3", "expected": "\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c3 \u03c3"},
    {"name": "dotted capital I", "text": "\u0130stanbul I\u015eIK", "expected": "i\u0307stanbul i\u015fik"},
    {"name": "cyrillic", "text": "\u041c\u043e\u0441\u043a\u0432\u0430 \u0420\u041e\u0421\u0421\u0418\u042f", "expected": "\u043c\u043e\u0441\u043a\u0432\u0430 \u0440\u043e\u0441\u0441\u0438\u044f"},
    {
        "name": "inside and outside the lowercase ranges",
        "text": "\uff21\uff22 \u212a \u2126 \u216b \u24b6 \u0531 \U00010400 \u13a0 \u2c00 \u1c90 \ua7c0",
        "expected": "\uff41\uff42 k \u03c9 \u217b \u24d0 \u0561 \U00010400 \u13a0 \u2c00 \u1c90 \ua7c0",
    },
    {"name": "cjk and parentheses", "text": "\u6771\u4eac\u30bf\u30ef\u30fc (Tokyo Tower)", "expected": "\u6771\u4eac\u30bf\u30ef\u30fc ( tokyo tower )"},
    {"name": "emoji", "text": "I \u2764 NY \U0001f695!", "expected": "i \u2764 ny \U0001f695 !"},
    {"name": "label injection", "text": "__label__spam text", "expected": "_ _ label _ _ spam text"},
    {"name": "control characters", "text": "a\u0000b\u0007c\u007fd\u0085e\u200bf\ufeffg", "expected": "a b c d e f g"},
    {"name": "combining mark kept (no NFC)", "text": "Cafe\u0301", "expected": "cafe\u0301"},
    {"name": "html break", "text": "a<br />b", "expected": "a < br / > b"},
    {"name": "symbols that are not punctuation", "text": "a\u203db a\u00b7b \u00a7 5\u00b0C \u20ac5", "expected": "a\u203db a\u00b7b \u00a7 5\u00b0c \u20ac5"},
    {"name": "hyphens, slashes, underscores", "text": "Hyphen-ated, slash/paths & under_scores", "expected": "hyphen - ated , slash / paths & under _ scores"},
    {"name": "title empty", "title": "", "content": "Only Content.", "expected": "only content ."},
    {"name": "title and content empty", "title": "", "content": "", "expected": ""},
    {"name": "content empty", "title": "Title", "content": "", "expected": "title"},
    {"name": "title and content with newlines", "title": "Multi\nLine", "content": "Body\ttext", "expected": "multi line body text"},
    {
        "name": "very long",
        "text": "The Quick, Brown Fox! " * 600,
        "expected": ("the quick , brown fox ! " * 600).strip(),
    },
]


def lowercase_code_points():
    """Every code point of the lowercase ranges that is neither a separator nor punctuation."""
    punctuation = set(ASCII_PUNCTUATION + UNICODE_PUNCTUATION)
    for start, end in LOWERCASE_RANGES:
        for cp in range(start, end + 1):
            ch = chr(cp)
            if ch not in SEPARATORS and ch not in punctuation:
                yield ch


def exhaustive_cases():
    letters = list(lowercase_code_points())
    punctuation = ASCII_PUNCTUATION + UNICODE_PUNCTUATION
    return [
        {
            "name": "every code point of the lowercase ranges",
            "text": " ".join(letters),
            "expected": " ".join(ch.lower() for ch in letters),
        },
        {
            "name": "every punctuation code point, glued between letters",
            "text": "A" + "A".join(punctuation) + "A",
            "expected": "a " + " a ".join(" ".join(p) for p in punctuation) + " a",
        },
        {
            "name": "every separator code point, glued between letters",
            "text": "A" + "A".join(sorted(SEPARATORS)) + "A",
            "expected": " ".join("a" * (len(SEPARATORS) + 1)),
        },
    ]


def main():
    vectors = {
        "version": VERSION,
        "spec": "glue_scripts/NORMALIZATION.md",
        "cases": HAND_WRITTEN + exhaustive_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "normalization_vectors.json")
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        json.dump(vectors, out, ensure_ascii=True, indent=1)
        out.write("\n")
    print("wrote %d cases to %s" % (len(vectors["cases"]), path))


if __name__ == "__main__":
    main()
