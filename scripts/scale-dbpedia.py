#!/usr/bin/env python3
"""Builds a DBpedia-scale CSV (560,000 rows, about 170 MB) from the 14,000-row sample, deterministically.

    python3 scripts/scale-dbpedia.py [--sample ../shared/data/dbpedia_sample/train.csv]
                                     [--rows 560000] [--out .local/bench/dbpedia_560k.csv]

The file has the shape of the original dbpedia_csv/train.csv: `class,"title","content"`, no header, rows grouped
by class 1..14 (the original is sorted that way too). The first pass over the sample copies it; every later
pass recombines each row with other rows of the same class: the row's own title and first sentence, followed
by sentences of a same-class row picked by a seeded generator, up to the row's own length. Texts stay real
DBpedia prose of the right class and the row length distribution stays the sample's. Every row is unique after
lowercasing and whitespace squeezing (a row that would repeat one already written gets a `(variant N)` suffix), so
a preprocessing benchmark on it measures work, not dedupe.
"""
import argparse
import csv
import hashlib
import os
import random
import sys

DEFAULT_SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                              "dbpedia_sample", "train.csv")
SEED = 560000


def read_sample(path):
    """The sample's rows grouped by class: {class: [(title, content), ...]} in file order."""
    by_class = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for label, title, content in csv.reader(handle):
            by_class.setdefault(int(label), []).append((title, content))
    return by_class


def sentences(content):
    """The content cut after each " . " (the sample is tokenised: sentences end with a spaced full stop)."""
    parts = content.split(" . ")
    return [part + " ." if index < len(parts) - 1 else part for index, part in enumerate(parts) if part]


def recombine(row, donor):
    """The row's first sentence, then the donor's other sentences as long as the text stays within the row's length.

    Stopping at the row's own length keeps the sample's length distribution (and so the file size per row).
    """
    parts = sentences(row[1])[:1]
    other = sentences(donor[1])
    length = len(parts[0]) if parts else 0
    for sentence in other[1:] if len(other) > 1 else other:
        if length + len(sentence) > len(row[1]) and len(parts) > 1:
            break
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


def csv_line(label, title, content):
    return '%d,"%s","%s"\n' % (label, title.replace('"', '""'), content.replace('"', '""'))


def identity(title, content):
    return hashlib.blake2b(" ".join((title + " " + content).lower().split()).encode("utf-8"),
                           digest_size=8).digest()


def generate(by_class, total_rows, out):
    """Writes `total_rows` rows spread evenly over the classes; returns (rows, bytes) written."""
    rng = random.Random(SEED)
    classes = sorted(by_class)
    per_class, remainder = divmod(total_rows, len(classes))
    seen = set()
    written = size = 0
    for position, label in enumerate(classes):
        rows = by_class[label]
        for index in range(per_class + (1 if position < remainder else 0)):
            row = rows[index % len(rows)]
            if index < len(rows):
                content = row[1]
            else:
                content = recombine(row, rows[int(rng.random() * len(rows))])
            key = identity(row[0], content)
            variant = 1
            while key in seen:
                variant += 1
                content_variant = "%s (variant %d)" % (content, variant)
                key = identity(row[0], content_variant)
                if key not in seen:
                    content = content_variant
            seen.add(key)
            line = csv_line(label, row[0], content)
            out.write(line)
            written += 1
            size += len(line.encode("utf-8"))
    return written, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", default=DEFAULT_SAMPLE)
    parser.add_argument("--rows", type=int, default=560000)
    parser.add_argument("--out", default=os.path.join(".local", "bench", "dbpedia_560k.csv"))
    args = parser.parse_args(argv)
    by_class = read_sample(args.sample)
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    partial = args.out + ".partial"
    with open(partial, "w", encoding="utf-8", newline="") as out:
        rows, size = generate(by_class, args.rows, out)
    os.replace(partial, args.out)
    print("wrote %d rows, %.1f MB to %s" % (rows, size / 1e6, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
