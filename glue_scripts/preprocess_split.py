"""Dedupe, the deterministic stratified split and the bucketed shuffle (glue_scripts/README.md, Dedupe, Split
and Order): rows are staged on disk in buckets by digest while they are read, and each split file is written in
digest order at the end.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import os
from binascii import hexlify

TRAIN, VALIDATION, TEST = 0, 1, 2
SPLIT_NAMES = ("train", "validation", "test")

BUCKET_TARGET_BYTES = 32 * 1024 * 1024
MAX_BUCKETS = 128
GZIP_EXPANSION_GUESS = 4

DIGEST_HEX_CHARS = 16
# A staged line: <16 hex digest> __label__<name> <text>  (the output line starts after the first space)
OUTPUT_LINE_START = DIGEST_HEX_CHARS + 1
WRITE_SLICE_LINES = 8192
DIGEST_SPACE = 2 ** 64


class BucketFiles(object):
    """`count` temporary files holding the staged lines of the kept rows, by range of digest."""

    def __init__(self, directory, count):
        self.count = count
        self.paths = [os.path.join(directory, "bucket-%04d.tmp" % bucket) for bucket in range(count)]
        self._files = [open(path, "wb", buffering=1024 * 1024) for path in self.paths]

    def new_pending(self):
        return [[] for _ in range(self.count)]

    def write(self, pending):
        for bucket, lines in enumerate(pending):
            if lines:
                lines.append(b"")
                self._files[bucket].write(b"\n".join(lines))

    def close(self):
        for handle in self._files:
            handle.close()

    def read_sorted(self, bucket):
        """The bucket's staged lines in digest order (digests are unique, so the rest never decides)."""
        with open(self.paths[bucket], "rb") as handle:
            lines = handle.read().split(b"\n")
        lines.pop()  # the file ends with "\n"
        lines.sort()
        return lines


def bucket_count_for(sources):
    """Enough buckets for about BUCKET_TARGET_BYTES of output each (gzip assumed to expand 4 times)."""
    estimate = sum(source.size * (GZIP_EXPANSION_GUESS if source.relative_name.lower().endswith(".gz") else 1)
                   for source in sources)
    return max(1, min(MAX_BUCKETS, -(-estimate // BUCKET_TARGET_BYTES)))


def _round_half_up(value):
    return int(value + 0.5)


def split_quotas(rows, validation_ratio, test_ratio):
    """How many of a label's `rows` go to (train, validation, test).

    Each ratio is applied with rounding; then, in the order validation, test (skipping a ratio of 0), the k-th
    of them gets at least one row once the label has k + 1 rows, and train always keeps at least one.
    """
    quotas = {VALIDATION: _round_half_up(rows * validation_ratio) if validation_ratio > 0 else 0,
              TEST: _round_half_up(rows * test_ratio) if test_ratio > 0 else 0}
    enabled = [split for split, ratio in ((VALIDATION, validation_ratio), (TEST, test_ratio)) if ratio > 0]
    for rank, split in enumerate(enabled, 1):
        if rows > rank:
            quotas[split] = max(quotas[split], 1)
    while rows - quotas[VALIDATION] - quotas[TEST] < 1 and quotas[VALIDATION] + quotas[TEST] > 0:
        larger = TEST if quotas[TEST] >= quotas[VALIDATION] else VALIDATION
        quotas[larger] -= 1
    return (rows - quotas[VALIDATION] - quotas[TEST], quotas[VALIDATION], quotas[TEST])


def _digest_bytes(value):
    """A point of the digest space as comparable bytes (big-endian), 2^64 and above as bytes above every digest."""
    return value.to_bytes(8, "big") if value < DIGEST_SPACE else b"\xff" * 9


class Splitter(object):
    """Dedupes rows, stages them in digest buckets and decides each row's split (module docstring).

    Most rows land where plain digest thresholds put them (test below test_ratio of the digest space, validation
    up to test_ratio + validation_ratio, train above); ranking within each label moves only the rows near those
    thresholds, and the few rows whose split differs are listed by `exceptions`, so the merge can cut each
    sorted bucket at the thresholds instead of deciding row by row.
    """

    def __init__(self, labels, buckets, validation_ratio, test_ratio):
        self._labels = labels
        self._buckets = buckets
        self._validation_ratio = validation_ratio
        self._test_ratio = test_ratio
        test_end = int(test_ratio * DIGEST_SPACE)
        validation_end = test_end + int(validation_ratio * DIGEST_SPACE)
        self.thresholds = (_digest_bytes(test_end), _digest_bytes(validation_end))
        self.thresholds_hex = (hexlify(self.thresholds[0]), hexlify(self.thresholds[1]))
        self._first_label = {}
        self.rows_per_label = []
        self.duplicates = 0
        self.label_conflicts = 0

    def add_batch(self, texts, label_ids):
        """Adds normalised, non-empty texts with their label ids; returns how many were duplicates."""
        first_label = self._first_label
        rows_per_label = self.rows_per_label
        prefixes = self._labels.line_prefixes
        bucket_count = self._buckets.count
        pending = self._buckets.new_pending()
        rows_per_label.extend([0] * (len(prefixes) - len(rows_per_label)))
        blake2b = hashlib.blake2b
        duplicates = conflicts = 0
        for text, label_id in zip(texts, label_ids):
            digest = blake2b(text, digest_size=8).digest()
            seen_label = first_label.get(digest)
            if seen_label is not None:
                duplicates += 1
                if seen_label != label_id:
                    conflicts += 1
                continue
            first_label[digest] = label_id
            rows_per_label[label_id] += 1
            pending[(digest[0] * bucket_count) >> 8].append(hexlify(digest) + prefixes[label_id] + text)
        self._buckets.write(pending)
        self.duplicates += duplicates
        self.label_conflicts += conflicts
        return duplicates

    def quotas(self):
        """(train, validation, test) row counts per label id."""
        return [split_quotas(rows, self._validation_ratio, self._test_ratio) for rows in self.rows_per_label]

    def threshold_split(self, digest):
        test_end, validation_end = self.thresholds
        return TEST if digest < test_end else (VALIDATION if digest < validation_end else TRAIN)

    def exceptions(self):
        """The rows whose split by rank within their label differs from the thresholds': {digest hex: split}.

        A label's rows ranked by digest: the first `test` quota are test, the next `validation` quota validation,
        the rest train. Only each label's smallest digests matter: one pass over the dedupe table keeps those
        below twice the ratios, and a second pass gathers all digests of any label short of what it needs.
        """
        quotas = self.quotas()
        needed = [validation + test + 1 for _, validation, test in quotas]
        limit = _digest_bytes(int(2 * (self._validation_ratio + self._test_ratio) * DIGEST_SPACE) + 2 ** 56)
        smallest = self._digests_below(limit)
        short = set(label_id for label_id, digests in enumerate(smallest) if len(digests) < needed[label_id])
        if short:
            everything = self._digests_of(short)
            for label_id in short:
                smallest[label_id] = everything[label_id]
        moves = {}
        for label_id, digests in enumerate(smallest):
            digests.sort()
            _, validation, test = quotas[label_id]
            for rank, digest in enumerate(digests):
                by_rank = TEST if rank < test else (VALIDATION if rank < test + validation else TRAIN)
                if by_rank != self.threshold_split(digest):
                    moves[hexlify(digest)] = by_rank
        return moves

    def _digests_below(self, limit):
        """Per label id, its digests below `limit`."""
        by_label = [[] for _ in self.rows_per_label]
        for digest, label_id in self._first_label.items():
            if digest < limit:
                by_label[label_id].append(digest)
        return by_label

    def _digests_of(self, label_ids):
        """Per label id, all its digests if it is one of `label_ids` (else none)."""
        by_label = [[] for _ in self.rows_per_label]
        for digest, label_id in self._first_label.items():
            if label_id in label_ids:
                by_label[label_id].append(digest)
        return by_label


def merge_buckets(buckets, splitter, split_files):
    """Appends each bucket, sorted by digest, to the split files: cut at the thresholds, then the exceptions moved."""
    test_end, validation_end = splitter.thresholds_hex
    exceptions_by_bucket = {}
    for digest_hex, split in splitter.exceptions().items():
        bucket = (int(digest_hex[:2], 16) * buckets.count) >> 8
        exceptions_by_bucket.setdefault(bucket, {})[digest_hex] = split
    for bucket in range(buckets.count):
        lines = buckets.read_sorted(bucket)
        first_validation = bisect.bisect_left(lines, test_end)
        first_train = bisect.bisect_left(lines, validation_end)
        per_split = [lines[first_train:], lines[first_validation:first_train], lines[:first_validation]]
        if bucket in exceptions_by_bucket:
            per_split = _move_exceptions(per_split, exceptions_by_bucket[bucket], splitter.thresholds_hex)
        for split, staged in enumerate(per_split):
            _write_output_lines(split_files[split], staged)


def _write_output_lines(handle, staged):
    """Writes staged lines without their digest, a slice at a time so that no bucket-sized copy is made."""
    for start in range(0, len(staged), WRITE_SLICE_LINES):
        output = [line[OUTPUT_LINE_START:] for line in staged[start:start + WRITE_SLICE_LINES]]
        output.append(b"")
        handle.write(b"\n".join(output))


def _move_exceptions(per_split, moves, thresholds_hex):
    """Moves the staged lines named in `moves` ({digest hex: split}) to their split, keeping digest order."""
    test_end, validation_end = thresholds_hex
    leaving = ([], [], [])
    arriving = ([], [], [])
    for digest_hex, target in moves.items():
        source = TEST if digest_hex < test_end else (VALIDATION if digest_hex < validation_end else TRAIN)
        index = bisect.bisect_left(per_split[source], digest_hex)
        leaving[source].append(index)
        arriving[target].append(per_split[source][index])
    moved = []
    for split in range(3):
        kept = _without_indices(per_split[split], sorted(leaving[split]))
        moved.append(sorted(kept + arriving[split]) if arriving[split] else kept)
    return moved


def _without_indices(items, indices):
    if not indices:
        return items
    pieces = []
    start = 0
    for index in indices:
        pieces.append(items[start:index])
        start = index + 1
    pieces.append(items[start:])
    return list(itertools.chain.from_iterable(pieces))
