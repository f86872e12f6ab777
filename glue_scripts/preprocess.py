#!/usr/bin/env python3
"""AWS Glue job (Python shell): labeled text in, BlazingText-ready train / validation / test splits out.

Usage (locally, or as Glue passes the job arguments):

    python3 preprocess.py --input_uri <file | folder | s3://bucket/prefix> \
        --output_uri <folder | s3://bucket/prefix> --run_id <id> \
        [--validation_ratio 0.1] [--test_ratio 0.1] [--classes_uri <file | s3://bucket/key>]

Standard library only, except boto3, imported when a URI is s3:// (it honours AWS_ENDPOINT_URL, with
path-style addressing, so the local stack can run this script with a plain python3). Python 3.9 compatible
(the Glue Python shell runtime).

Input. Every object under input_uri, in key order: `.csv` (DBpedia shape `label,title,content`, no header;
a first row `label,title,content` or `label,text` is read as a header), `.jsonl` (`{"label", "text"}` or
`{"label", "title", "content"}`), `.txt` (fastText lines `__label__X text`), each plain or `.gz`. A file named
`classes.txt` (or --classes_uri) maps numeric labels to class names, line N naming label N; it is never read as
data. Other files are listed in the manifest as skipped sources.

Rows. A row is rejected, with a reason written to rejected.jsonl, when it has no label (missing_label), a label
that cannot be used (invalid_label: not a string or integer, or several fastText labels), no text after
normalisation (empty_text), the wrong number of CSV columns (wrong_column_count), a record that is not valid CSV
(malformed_csv: a quote in the wrong place, a quoted field left open at the end of the file), bytes that are not
UTF-8 (invalid_utf8; the rest of the file is still read) or a JSONL line that is not a JSON object of the expected
shape (unparsable_json). Labels are sanitised for fastText: trimmed, a `__label__` prefix dropped, numeric ids
mapped through classes.txt, whitespace runs turned into `_`. Texts are normalised as NORMALIZATION.md specifies
(the TypeScript client reproduces it byte for byte).

Dedupe. A row whose normalised text was already seen is a duplicate and is dropped; the first occurrence (in
key order, then line order) keeps its label, and a duplicate carrying another label is counted as a label
conflict. The key is the 64-bit BLAKE2b digest of the normalised text: memory grows by about 100 bytes per
distinct row and not with the size of the text (a false duplicate needs a 64-bit collision: for 100 million rows,
odds of about 3 in 10,000).

Split. Deterministic and stratified by label, from that same digest. A label's distinct rows ranked by digest:
the first round(n * test_ratio) are test, the next round(n * validation_ratio) validation (halves round up), the
rest train; a label with 2 rows also gets one in validation and a label with 3 or more one in each split (when the
ratio is > 0), and train always keeps one. Hence:
  * exact per-label proportions (within one row of the ratios), whatever the input order;
  * no leakage: equal normalised texts share a digest and only the first is kept, so no test text is in train;
  * stable as the corpus grows: a digest is a uniform random number fixed by the text, so each label's cut points
    sit near test_ratio and test_ratio + validation_ratio of the digest range and move little when files are
    added; a test example of one run stays out of later runs' training data except near the boundaries, and a
    retrained model is validated on examples no earlier model trained on.
The split needs each label's row count, known only at the end; the rows themselves are not held but staged on
disk (below). At the end, one pass over the dedupe table finds the few rows whose rank within their label puts
them on the other side of the plain thresholds (test below test_ratio of the digest range, validation below
test_ratio + validation_ratio): the split files are then cut at the thresholds and those rows moved.

Order. fastText and BlazingText read the training file in order and decay the learning rate along it, so a
corpus sorted by class (one file per class, say) would bias the model towards the last class. Each split is
therefore written in digest order, a pseudo-random shuffle that depends only on the rows, not on the input
order. It streams: while reading, rows are staged in bucket files by the first byte of their digest; at the end each
bucket is sorted in memory on its own and its rows appended to their split's file. Buckets are sized from the
input's size to about 32 MB, so memory is bounded by one bucket plus the dedupe table whatever the corpus size.

Output, under output_uri: train/train.txt, validation/validation.txt, test/test.txt (`__label__<Label> <text>`,
one example a line), rejected.jsonl and manifest.json (written last). For the same input the split files and
rejected.jsonl are byte-identical from run to run; the manifest differs only by run_id and timings.
Invariant: input_rows = train + validation + test + rejected_rows + duplicate_rows.

Exit status: 0 when at least one usable row was written; 1 when the input cannot be read (the reason is the last
line on stderr); 2 on bad arguments; 3 when nothing usable was found (outputs and manifest are still written).

Speed: the hot path works on UTF-8 bytes. The character-level normalisation runs once per batch of about 2 MB in
a few C calls (translate, one replace per punctuation mark present), leaving per row a split/join, a BLAKE2b digest
and a few list operations; the merge cuts sorted buckets with bisect. Figures: `npx tsx bench/preprocess.ts`.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import hashlib
import itertools
import json
import os
import re
import sys
import tempfile
import time
import traceback
import zlib
from binascii import hexlify
from datetime import datetime, timezone

NORMALIZATION_VERSION = "1"

EXIT_OK = 0
EXIT_UNREADABLE = 1
EXIT_USAGE = 2
EXIT_NOTHING_USABLE = 3

TRAIN, VALIDATION, TEST = 0, 1, 2
SPLIT_NAMES = ("train", "validation", "test")

READ_CHUNK_BYTES = 4 * 1024 * 1024
BATCH_TEXT_BYTES = 2 * 1024 * 1024
BUCKET_TARGET_BYTES = 32 * 1024 * 1024
MAX_BUCKETS = 128
GZIP_EXPANSION_GUESS = 4
CSV_FIELD_LIMIT = 8 * 1024 * 1024
EXCERPT_CHARS = 200
REJECTIONS_SAMPLE_SIZE = 20
LABEL_PREFIX = "__label__"
CLASSES_FILE_NAME = "classes.txt"
DATA_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".txt": "fasttext"}
CSV_HEADERS = {("label", "title", "content"): 3, ("label", "text"): 2}
DEFAULT_RATIO = 0.1


class FatalError(Exception):
    """An error that ends the job with a one-line reason and the given exit status."""

    def __init__(self, message, exit_code=EXIT_UNREADABLE):
        super().__init__(message)
        self.exit_code = exit_code


def warn(message):
    print("preprocess: warning: %s" % message, file=sys.stderr)


def info(message):
    print("preprocess: %s" % message)


# ---------------------------------------------------------------------------------------------------------------
# Normalisation (NORMALIZATION.md)
# ---------------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------------------------------

REQUIRED_ARGUMENTS = ("input_uri", "output_uri", "run_id")
OPTIONAL_ARGUMENTS = ("validation_ratio", "test_ratio", "classes_uri")


class Options(object):
    def __init__(self, input_uri, output_uri, run_id, validation_ratio, test_ratio, classes_uri):
        self.input_uri = input_uri
        self.output_uri = output_uri
        self.run_id = run_id
        self.validation_ratio = validation_ratio
        self.test_ratio = test_ratio
        self.classes_uri = classes_uri


def _glue_resolver():
    """awsglue's getResolvedOptions when running on Glue (or anywhere awsglue is importable), else None."""
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore
    except ImportError:
        return None
    return getResolvedOptions


def _argument_present(argv, name):
    flag = "--" + name
    return any(arg == flag or arg.startswith(flag + "=") for arg in argv)


def _parse_with_argparse(argv):
    parser = argparse.ArgumentParser(prog="preprocess.py", description="Prepare BlazingText training data.")
    for name in REQUIRED_ARGUMENTS:
        parser.add_argument("--" + name, required=True)
    for name in OPTIONAL_ARGUMENTS:
        parser.add_argument("--" + name)
    known, unknown = parser.parse_known_args(argv[1:])
    if unknown:
        warn("ignoring unknown arguments: %s" % " ".join(unknown))
    return vars(known)


def _parse_ratio(values, name):
    raw = values.get(name)
    if raw is None or raw == "":
        return DEFAULT_RATIO
    try:
        ratio = float(raw)
    except ValueError:
        raise FatalError("--%s must be a number, got %r" % (name, raw), EXIT_USAGE)
    if not 0.0 <= ratio < 1.0:
        raise FatalError("--%s must be in [0, 1), got %s" % (name, raw), EXIT_USAGE)
    return ratio


def parse_arguments(argv):
    """Reads the job arguments from argv (program name first), through getResolvedOptions on Glue.

    getResolvedOptions has no optional arguments, so the optional ones are asked for only when present.
    """
    resolver = _glue_resolver()
    if resolver is None:
        values = _parse_with_argparse(argv)
    else:
        wanted = list(REQUIRED_ARGUMENTS) + [name for name in OPTIONAL_ARGUMENTS if _argument_present(argv, name)]
        values = resolver(argv, wanted)
    for name in REQUIRED_ARGUMENTS:
        if not values.get(name):
            raise FatalError("--%s must not be empty" % name, EXIT_USAGE)
    options = Options(values["input_uri"], values["output_uri"], values["run_id"],
                      _parse_ratio(values, "validation_ratio"), _parse_ratio(values, "test_ratio"),
                      values.get("classes_uri") or None)
    if options.validation_ratio + options.test_ratio >= 1.0:
        raise FatalError("validation_ratio + test_ratio must be below 1", EXIT_USAGE)
    return options


# ---------------------------------------------------------------------------------------------------------------
# Storage: local files and S3
# ---------------------------------------------------------------------------------------------------------------

class StoredObject(object):
    """One input object: where it is, how big, its ETag when known, and how to open it."""

    def __init__(self, uri, relative_name, size, etag, opener):
        self.uri = uri
        self.relative_name = relative_name
        self.size = size
        self.etag = etag
        self.open = opener

    @property
    def base_name(self):
        return self.relative_name.rsplit("/", 1)[-1]


def is_s3_uri(uri):
    return uri.startswith("s3://")


def split_s3_uri(uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise FatalError("not an S3 URI with a bucket: %s" % uri, EXIT_USAGE)
    return bucket, key


def default_s3_client():
    """A boto3 S3 client; path-style when AWS_ENDPOINT_URL points at a local endpoint."""
    import boto3  # imported here so that local runs need no boto3
    from botocore.config import Config

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if endpoint:
        return boto3.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1",
                            config=Config(s3={"addressing_style": "path"}))
    return boto3.client("s3", region_name=region)


def _s3_error_code(error):
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _is_missing_object(error):
    return _s3_error_code(error) in ("NoSuchKey", "404", "NotFound")


class S3Store(object):
    def __init__(self, client_factory):
        self._client_factory = client_factory
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def list(self, uri):
        bucket, prefix = split_s3_uri(uri)
        folder = prefix if prefix.endswith("/") or not prefix else prefix + "/"
        objects = []
        for entry in self._list_entries(bucket, prefix):
            key = entry["Key"]
            if key.endswith("/") or not (key == prefix or key.startswith(folder)):
                continue
            relative = key[len(folder):] if key.startswith(folder) else key.rsplit("/", 1)[-1]
            objects.append(StoredObject("s3://%s/%s" % (bucket, key), relative, int(entry.get("Size", 0)),
                                        str(entry.get("ETag", "")).strip('"') or None,
                                        self._opener(bucket, key)))
        return sorted(objects, key=lambda stored: stored.uri)

    def _list_entries(self, bucket, prefix):
        token = None
        while True:
            request = {"Bucket": bucket, "Prefix": prefix}
            if token:
                request["ContinuationToken"] = token
            page = self.client.list_objects_v2(**request)
            for entry in page.get("Contents", []) or []:
                yield entry
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    def _opener(self, bucket, key):
        return lambda: self.client.get_object(Bucket=bucket, Key=key)["Body"]

    def read_optional(self, uri):
        """The object's bytes, or None when it does not exist."""
        bucket, key = split_s3_uri(uri)
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except Exception as error:  # botocore's ClientError, or a test double's
            if _is_missing_object(error):
                return None
            raise
        try:
            return body.read()
        finally:
            _close_quietly(body)

    def upload(self, local_path, uri):
        bucket, key = split_s3_uri(uri)
        self.client.upload_file(local_path, bucket, key)


class LocalStore(object):
    def list(self, uri):
        path = os.path.abspath(uri)
        if os.path.isfile(path):
            return [self._stored(path, os.path.basename(path))]
        if not os.path.isdir(path):
            raise FatalError("input not found: %s" % uri)
        objects = []
        for folder, subfolders, files in os.walk(path):
            subfolders.sort()
            for name in files:
                full = os.path.join(folder, name)
                objects.append(self._stored(full, os.path.relpath(full, path).replace(os.sep, "/")))
        return sorted(objects, key=lambda stored: stored.relative_name)

    @staticmethod
    def _stored(path, relative):
        return StoredObject(path, relative, os.path.getsize(path), None, lambda: open(path, "rb"))

    @staticmethod
    def read_optional(uri):
        if not os.path.isfile(uri):
            return None
        with open(uri, "rb") as handle:
            return handle.read()


def _close_quietly(stream):
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # closing a half-read HTTP body may complain; nothing to do about it
            pass


# ---------------------------------------------------------------------------------------------------------------
# Reading lines
# ---------------------------------------------------------------------------------------------------------------

class LineReader(object):
    """Splits a binary stream into lines (bytes, without "\\n" or "\\r\\n") and records which are not valid UTF-8.

    Reads in large chunks cut at the last newline, so the UTF-8 check runs once per chunk (and line by line only
    in a chunk that fails it). Line numbers start at 1 and count every line, blank ones included.
    """

    def __init__(self, stream):
        self._stream = stream
        self.invalid_lines = set()

    def __iter__(self):
        return itertools.chain.from_iterable(self._chunks_of_lines())

    def _chunks_of_lines(self):
        carry = b""
        line_count = 0
        first = True
        while True:
            block = self._stream.read(READ_CHUNK_BYTES)
            if not block:
                break
            if first and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            first = False
            block = carry + block if carry else block
            cut = block.rfind(b"\n")
            if cut < 0:
                carry = block
                continue
            carry = block[cut + 1:]
            lines = self._split_lines(block[:cut], line_count)
            line_count += len(lines)
            yield lines
        if carry.endswith(b"\r"):
            carry = carry[:-1]
        if carry:
            yield self._split_lines(carry, line_count)

    def _split_lines(self, body, first_line_index):
        if b"\r" in body:
            body = body.replace(b"\r\n", b"\n")
            if body.endswith(b"\r"):
                body = body[:-1]
        lines = body.split(b"\n")
        self._check_utf8(body, lines, first_line_index)
        return lines

    def _check_utf8(self, body, lines, first_line_index):
        if body.isascii():
            return
        try:
            body.decode("utf-8")
            return
        except UnicodeDecodeError:
            pass
        for index, line in enumerate(lines):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.invalid_lines.add(first_line_index + index + 1)


def take_invalid(invalid_lines, first, last=None):
    """True when a line from `first` to `last` (inclusive) is not UTF-8; forgets them, so the set stays small."""
    hits = [number for number in range(first, (first if last is None else last) + 1) if number in invalid_lines]
    invalid_lines.difference_update(hits)
    return bool(hits)


def _excerpt(raw):
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."


# ---------------------------------------------------------------------------------------------------------------
# Format readers: each turns lines into sink.add(label, text_bytes, line) or sink.reject(...)
# ---------------------------------------------------------------------------------------------------------------

csv.field_size_limit(CSV_FIELD_LIMIT)


def fast_csv_fields(line):
    """The fields of a one-line CSV record, exactly as the csv module would read them, or None.

    Splitting at the quotes gives the quoted fields at odd positions and what lies between them at even ones;
    when every in-between part is a lone comma (no escaped quote, no text glued to a quote), the record is plain:
    unquoted leading fields, then quoted fields. Anything else (an escaped quote, a quoted field followed by an
    unquoted one, a quote left open for the next line) returns None and the caller asks the csv module.
    """
    parts = line.split(b'"')
    if len(parts) == 1:
        return line.split(b",")
    if not len(parts) % 2 or parts[-1]:
        return None
    separators = parts[2:-1:2]
    if separators.count(b",") != len(separators):
        return None
    head = parts[0]
    if not head:
        return parts[1::2]
    if not head.endswith(b","):
        return None
    return head[:-1].split(b",") + parts[1::2]


def parse_csv_record(first_line, more_lines, line_number):
    """Parses one record with the csv module, pulling continuation lines from `more_lines` as quotes require.

    Strict mode: a quote in the wrong place, or a quoted field still open at the end of the file, is an error
    (the record is rejected as malformed_csv) rather than a guess. The fast path only accepts strictly valid lines.

    Returns (fields as bytes or None, number of the record's last line, csv error message or None).
    """
    state = {"last": line_number}

    def decoded_lines():
        yield first_line.decode("utf-8", "replace") + "\n"
        for line in more_lines:
            state["last"] += 1
            yield line.decode("utf-8", "replace") + "\n"

    try:
        row = next(csv.reader(decoded_lines(), strict=True))  # a non-empty first line always makes a record
    except csv.Error as error:
        return None, state["last"], str(error)
    return [field.encode("utf-8") for field in row], state["last"], None


def _detect_csv_header(fields):
    names = tuple(field.strip().lower() for field in fields)
    try:
        return CSV_HEADERS.get(tuple(name.decode("utf-8") for name in names))
    except UnicodeDecodeError:
        return None


def read_csv(reader, sink):
    """Reads DBpedia-shaped CSV: `label,title,content` (or `label,text` after such a header).

    The hottest loop of the job: rows are batched here rather than handed to the sink one call at a time.
    """
    lines = iter(reader)
    invalid = reader.invalid_lines
    columns = None
    number = 0
    labels, texts, numbers = [], [], []
    pending_bytes = 0
    for line in lines:
        number += 1
        first = number
        if not line:
            sink.blank()
            continue
        fields = fast_csv_fields(line)
        if fields is None:
            fields, number, error = parse_csv_record(line, lines, number)
            if error is not None:
                sink.reject("malformed_csv", error, first, line)
                continue
        if invalid and take_invalid(invalid, first, number):
            sink.reject("invalid_utf8", "bytes that are not UTF-8", first, line)
            continue
        if columns is None:
            columns = _detect_csv_header(fields)
            if columns is not None:
                continue
            columns = 3
        if len(fields) != columns:
            sink.reject("wrong_column_count", "expected %d columns, got %d" % (columns, len(fields)), first, line)
            continue
        text = fields[1] if columns == 2 else fields[1] + b" " + fields[2]
        labels.append(fields[0])
        texts.append(text)
        numbers.append(first)
        pending_bytes += len(text)
        if pending_bytes >= BATCH_TEXT_BYTES:
            sink.add_many(labels, texts, numbers)
            labels, texts, numbers = [], [], []
            pending_bytes = 0
    sink.add_many(labels, texts, numbers)


def _json_text(record):
    """The text of a JSONL record as a str, or raises ValueError naming the bad field."""
    if "text" in record:
        fields = ("text",)
    else:
        fields = ("title", "content")
    values = []
    for name in fields:
        value = record.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError("field %r is not a string" % name)
        values.append(value)
    return " ".join(values)


def _json_label(record):
    """The label of a JSONL record as a str, None when missing, or raises ValueError when unusable."""
    label = record.get("label")
    if label is None:
        return None
    if isinstance(label, bool) or not isinstance(label, (str, int)):
        raise ValueError("label must be a string or an integer, got %s" % type(label).__name__)
    return str(label)


def read_jsonl(reader, sink):
    """Reads JSON Lines: `{"label": ..., "text": ...}` or `{"label": ..., "title": ..., "content": ...}`."""
    invalid = reader.invalid_lines
    for number, line in enumerate(reader, 1):
        if not line.strip():
            sink.blank()
            continue
        if invalid and take_invalid(invalid, number):
            sink.reject("invalid_utf8", "bytes that are not UTF-8", number, line)
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            sink.reject("unparsable_json", str(error), number, line)
            continue
        if not isinstance(record, dict):
            sink.reject("unparsable_json", "not a JSON object", number, line)
            continue
        try:
            label = _json_label(record)
        except ValueError as error:
            sink.reject("invalid_label", str(error), number, line)
            continue
        try:
            text = _json_text(record).encode("utf-8")
        except UnicodeEncodeError:  # a ValueError too: test it first
            sink.reject("invalid_utf8", "a \\u escape encodes a lone surrogate", number, line)
            continue
        except ValueError as error:
            sink.reject("unparsable_json", str(error), number, line)
            continue
        sink.add(label, text, number)


_LABEL_PREFIX_BYTES = LABEL_PREFIX.encode("ascii")


def read_fasttext(reader, sink):
    """Reads fastText lines: `__label__<label> <text>`."""
    invalid = reader.invalid_lines
    for number, line in enumerate(reader, 1):
        stripped = line.strip()
        if not stripped:
            sink.blank()
            continue
        if invalid and take_invalid(invalid, number):
            sink.reject("invalid_utf8", "bytes that are not UTF-8", number, line)
            continue
        if not stripped.startswith(_LABEL_PREFIX_BYTES):
            sink.reject("missing_label", "the line does not start with __label__", number, line)
            continue
        parts = stripped.split(None, 1)
        text = parts[1] if len(parts) > 1 else b""
        if text.startswith(_LABEL_PREFIX_BYTES):
            sink.reject("invalid_label", "more than one label (multi-label rows are not supported)", number, line)
            continue
        sink.add(parts[0], text, number)


READERS = {"csv": read_csv, "jsonl": read_jsonl, "fasttext": read_fasttext}


# ---------------------------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------------------------

_WHITESPACE_RE = re.compile(r"\s+")


def parse_classes(data):
    """classes.txt: line N (from 1) names label N. Blank lines leave their number unmapped."""
    text = data.decode("utf-8-sig", "replace")
    names = {}
    for number, line in enumerate(text.splitlines(), 1):
        name = line.strip()
        if name:
            names[str(number)] = name
    return names


def sanitize_label(raw, class_names):
    """The fastText-safe label for a raw label (str), or "" when there is none."""
    label = raw.strip()
    if label.startswith(LABEL_PREFIX):
        label = label[len(LABEL_PREFIX):].strip()
    if label.isdigit() and label.isascii():
        label = class_names.get(str(int(label)), label)
    return _WHITESPACE_RE.sub("_", label.strip())


class Labels(object):
    """Maps raw labels to label ids (first-seen order); ids index `names` and `line_prefixes`.

    A line prefix is what follows the digest in a staged line: ` __label__<name> `.
    """

    MISSING = -1

    def __init__(self, class_names):
        self._class_names = class_names
        self._ids_by_raw = {}
        self._ids_by_name = {}
        self.names = []
        self.line_prefixes = []

    def resolve_all(self, raws):
        """The ids of a list of raw labels, resolving the ones not seen before."""
        label_ids = list(map(self._ids_by_raw.get, raws))
        if None in label_ids:
            label_ids = [self.resolve(raw) if label_id is None else label_id
                         for raw, label_id in zip(raws, label_ids)]
        return label_ids

    def resolve(self, raw):
        """The id of a raw label (bytes, str or None), or Labels.MISSING."""
        label_id = self._ids_by_raw.get(raw)
        if label_id is None:
            label_id = self._resolve_new(raw)
            self._ids_by_raw[raw] = label_id
        return label_id

    def _resolve_new(self, raw):
        if raw is None:
            return self.MISSING
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        name = sanitize_label(text, self._class_names)
        if not name:
            return self.MISSING
        label_id = self._ids_by_name.get(name)
        if label_id is None:
            label_id = len(self.names)
            self._ids_by_name[name] = label_id
            self.names.append(name)
            self.line_prefixes.append((" %s%s " % (LABEL_PREFIX, name)).encode("utf-8"))
        return label_id


# ---------------------------------------------------------------------------------------------------------------
# Rejections
# ---------------------------------------------------------------------------------------------------------------

class Rejections(object):
    """Writes rejected.jsonl as rows are rejected and keeps the counts and the sample for the manifest."""

    def __init__(self, path):
        self._file = open(path, "w", encoding="utf-8", newline="\n")
        self.count = 0
        self.by_reason = {}
        self.sample = []

    def add(self, source_uri, line, reason, detail, raw):
        record = {"source": source_uri, "line": line, "reason": reason, "detail": detail,
                  "excerpt": _excerpt(raw)}
        self._file.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self.count += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        if len(self.sample) < REJECTIONS_SAMPLE_SIZE:
            self.sample.append(record)

    def close(self):
        self._file.close()


# ---------------------------------------------------------------------------------------------------------------
# Dedupe, split assignment and bucketed shuffle
# ---------------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------------
# Rows: batching between the readers and the splitter
# ---------------------------------------------------------------------------------------------------------------

class SourceStats(object):
    def __init__(self, stored, data_format):
        self.stored = stored
        self.format = data_format
        self.rows = 0
        self.rejected = 0
        self.duplicates = 0
        self.blank_lines = 0
        self.error = None

    def to_manifest(self):
        entry = {"uri": self.stored.uri, "size": self.stored.size}
        if self.stored.etag:
            entry["etag"] = self.stored.etag
        entry.update({"format": self.format, "rows": self.rows, "rejected": self.rejected,
                      "duplicates": self.duplicates, "blank_lines": self.blank_lines})
        if self.error:
            entry["error"] = self.error
        return entry


class RowSink(object):
    """Collects rows from a reader into batches. Per batch: labels resolved and texts normalised in bulk, rows left
    without a label or a text rejected, the others handed to the splitter."""

    def __init__(self, labels, splitter, rejections):
        self._labels = labels
        self._splitter = splitter
        self._rejections = rejections
        self._stats = None
        self._raw_labels = []
        self._texts = []
        self._numbers = []
        self._pending_bytes = 0

    def begin(self, stats):
        self._stats = stats

    def add(self, raw_label, text, line_number):
        """A row as read: its raw label (bytes, str or None), its text (UTF-8 bytes) and its line number."""
        self._raw_labels.append(raw_label)
        self._texts.append(text)
        self._numbers.append(line_number)
        self._pending_bytes += len(text)
        if self._pending_bytes >= BATCH_TEXT_BYTES:
            self.flush()

    def add_many(self, raw_labels, texts, line_numbers):
        """A batch of rows, as `add` takes them one by one (for readers that batch rows themselves)."""
        self.flush()
        self._process(raw_labels, texts, line_numbers)

    def reject(self, reason, detail, line_number, raw_line):
        self._stats.rows += 1
        self._stats.rejected += 1
        self._rejections.add(self._stats.stored.uri, line_number, reason, detail, raw_line)

    def blank(self):
        self._stats.blank_lines += 1

    def flush(self):
        if self._texts:
            self._process(self._raw_labels, self._texts, self._numbers)
            self._raw_labels, self._texts, self._numbers = [], [], []
            self._pending_bytes = 0

    def _process(self, raw_labels, texts, line_numbers):
        self._stats.rows += len(texts)
        label_ids = self._labels.resolve_all(raw_labels)
        normalized = normalize_batch(texts)
        if Labels.MISSING in label_ids or not all(normalized):
            normalized, label_ids = self._reject_unusable(normalized, label_ids, texts, line_numbers)
        self._stats.duplicates += self._splitter.add_batch(normalized, label_ids)

    def _reject_unusable(self, normalized, label_ids, texts, line_numbers):
        kept_texts, kept_labels = [], []
        for text, label_id, raw, number in zip(normalized, label_ids, texts, line_numbers):
            if label_id == Labels.MISSING:
                self._reject_counted("missing_label", "the row has no label", number, raw)
            elif not text:
                self._reject_counted("empty_text", "no text left after normalisation", number, raw)
            else:
                kept_texts.append(text)
                kept_labels.append(label_id)
        return kept_texts, kept_labels

    def _reject_counted(self, reason, detail, line_number, raw):
        """Rejects a row already counted in `rows` (it was read as a row, then found unusable)."""
        self._stats.rejected += 1
        self._rejections.add(self._stats.stored.uri, line_number, reason, detail, raw)


# ---------------------------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------------------------

def data_format_of(name):
    """The reader for a file name (".csv", ".jsonl", ".txt", each optionally ".gz"), or None."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    for extension, data_format in DATA_FORMATS.items():
        if lower.endswith(extension):
            return data_format
    return None


def _open_decompressed(stored):
    stream = stored.open()
    if stored.relative_name.lower().endswith(".gz"):
        return stream, gzip.GzipFile(fileobj=stream, mode="rb")
    return stream, stream


def read_source(stored, data_format, sink, stats):
    """Reads one object through its format's reader. A corrupt gzip stream ends the source, not the job."""
    sink.begin(stats)
    raw, stream = _open_decompressed(stored)
    try:
        READERS[data_format](LineReader(stream), sink)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        stats.error = "could not decompress: %s" % error
        warn("%s: %s (rows read before the error are kept)" % (stored.uri, stats.error))
    finally:
        sink.flush()
        if stream is not raw:
            _close_quietly(stream)
        _close_quietly(raw)


def partition_sources(objects, explicit_classes):
    """Splits the listing into data sources, skipped sources and the classes.txt to use (if any)."""
    data, skipped, classes_files = [], [], []
    for stored in objects:
        if stored.relative_name.endswith("/"):
            continue
        if stored.base_name == CLASSES_FILE_NAME:
            classes_files.append(stored)
            continue
        data_format = data_format_of(stored.base_name)
        if data_format is None:
            skipped.append({"uri": stored.uri, "size": stored.size, "reason": "unsupported file extension"})
        else:
            data.append((stored, data_format))
    if not explicit_classes and len(classes_files) > 1:
        warn("several classes.txt in the input; using %s" % classes_files[0].uri)
    return data, skipped, (classes_files[0] if classes_files else None)


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------

OUTPUT_FILES = ("train/train.txt", "validation/validation.txt", "test/test.txt")


class Output(object):
    """Where the outputs are written: the output folder itself, or a staging folder uploaded to S3 at the end."""

    def __init__(self, output_uri, s3_store, staging_root):
        self.uri = output_uri
        self._s3 = s3_store if is_s3_uri(output_uri) else None
        self.folder = os.path.join(staging_root, "output") if self._s3 else os.path.abspath(output_uri)
        for relative in OUTPUT_FILES:
            os.makedirs(os.path.dirname(self.path(relative)), exist_ok=True)

    def path(self, relative):
        return os.path.join(self.folder, *relative.split("/"))

    def publish(self, relatives):
        if self._s3 is None:
            return
        base = self.uri if self.uri.endswith("/") else self.uri + "/"
        for relative in relatives:
            self._s3.upload(self.path(relative), base + relative)


def write_split_files(output, buckets, splitter):
    files = [open(output.path(relative), "wb") for relative in OUTPUT_FILES]
    try:
        merge_buckets(buckets, splitter, files)
    finally:
        for handle in files:
            handle.close()


def label_counts(labels, quotas):
    """Per label name with at least one row kept, its rows per split."""
    kept = [label_id for label_id in range(len(quotas)) if sum(quotas[label_id])]
    return {labels.names[label_id]: dict(zip(SPLIT_NAMES, quotas[label_id]))
            for label_id in sorted(kept, key=lambda label_id: labels.names[label_id])}


def build_manifest(options, run, labels, splitter, rejections, started):
    quotas = splitter.quotas()
    rows = [sum(counts[split] for counts in quotas) for split in range(3)]
    finished = time.time()
    return {
        "run_id": options.run_id,
        "input_uri": options.input_uri,
        "output_uri": options.output_uri,
        "input_rows": run["input_rows"],
        "rejected_rows": rejections.count,
        "duplicate_rows": splitter.duplicates,
        "label_conflicts": splitter.label_conflicts,
        "rows": dict(zip(SPLIT_NAMES, rows)),
        "labels": label_counts(labels, quotas),
        "ratios": {"validation": options.validation_ratio, "test": options.test_ratio},
        "classes_uri": run["classes_uri"],
        "sources": run["sources"],
        "skipped_sources": run["skipped"],
        "rejections_sample": rejections.sample,
        "rejection_reasons": dict(sorted(rejections.by_reason.items())),
        "files": {name: relative for name, relative in zip(SPLIT_NAMES, OUTPUT_FILES)},
        "normalization_version": NORMALIZATION_VERSION,
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "elapsed_seconds": round(finished - started, 3),
    }


def _iso(timestamp):
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------------------------------
# The job
# ---------------------------------------------------------------------------------------------------------------

def load_class_names(store_for, explicit_uri, listed):
    """The class-name mapping from --classes_uri (a missing one is a warning) or the listed classes.txt."""
    if explicit_uri:
        data = store_for(explicit_uri).read_optional(explicit_uri)
        if data is None:
            warn("classes file not found, labels are used as they are: %s" % explicit_uri)
            return {}, None
        return parse_classes(data), explicit_uri
    if listed is None:
        return {}, None
    stream = listed.open()
    try:
        return parse_classes(stream.read()), listed.uri
    finally:
        _close_quietly(stream)


def process(options, s3_client_factory):
    """Runs the job; returns the exit status."""
    started = time.time()
    s3_store = S3Store(s3_client_factory)
    local_store = LocalStore()

    def store_for(uri):
        return s3_store if is_s3_uri(uri) else local_store

    objects = store_for(options.input_uri).list(options.input_uri)
    sources, skipped, listed_classes = partition_sources(objects, options.classes_uri)
    class_names, classes_uri = load_class_names(store_for, options.classes_uri, listed_classes)
    labels = Labels(class_names)
    with tempfile.TemporaryDirectory(prefix="preprocess-") as staging:
        output = Output(options.output_uri, s3_store, staging)
        buckets = BucketFiles(staging, bucket_count_for([stored for stored, _ in sources]))
        rejections = Rejections(output.path("rejected.jsonl"))
        splitter = Splitter(labels, buckets, options.validation_ratio, options.test_ratio)
        stats = read_all(sources, RowSink(labels, splitter, rejections))
        buckets.close()
        rejections.close()
        write_split_files(output, buckets, splitter)
        run = {"input_rows": sum(entry.rows for entry in stats), "classes_uri": classes_uri,
               "sources": [entry.to_manifest() for entry in stats], "skipped": skipped}
        manifest = build_manifest(options, run, labels, splitter, rejections, started)
        write_manifest(output.path("manifest.json"), manifest)
        output.publish(list(OUTPUT_FILES) + ["rejected.jsonl", "manifest.json"])
    return report(manifest, sources)


def read_all(sources, sink):
    """Reads every data source into the sink; returns their SourceStats."""
    stats = []
    for stored, data_format in sources:
        entry = SourceStats(stored, data_format)
        read_source(stored, data_format, sink, entry)
        info("read %s: %d rows, %d rejected, %d duplicates" % (stored.uri, entry.rows, entry.rejected,
                                                              entry.duplicates))
        stats.append(entry)
    return stats


def write_manifest(path, manifest):
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def report(manifest, sources):
    usable = sum(manifest["rows"].values())
    info("run %s: %d input rows -> train %d, validation %d, test %d; %d rejected, %d duplicates; %.2f s" % (
        manifest["run_id"], manifest["input_rows"], manifest["rows"]["train"], manifest["rows"]["validation"],
        manifest["rows"]["test"], manifest["rejected_rows"], manifest["duplicate_rows"],
        manifest["elapsed_seconds"]))
    if usable:
        return EXIT_OK
    if not sources:
        reason = "no data files (.csv, .jsonl, .txt, optionally .gz) under %s" % manifest["input_uri"]
    else:
        reason = "no usable rows in %d data file(s) under %s (%d rejected: %s)" % (
            len(sources), manifest["input_uri"], manifest["rejected_rows"],
            ", ".join("%s %d" % item for item in manifest["rejection_reasons"].items()) or "none")
    print("preprocess: error: %s" % reason, file=sys.stderr)
    return EXIT_NOTHING_USABLE


def main(argv=None, s3_client_factory=default_s3_client):
    """Entry point; returns the exit status. Tests pass argv and a fake S3 client factory."""
    argv = list(sys.argv if argv is None else argv)
    try:
        options = parse_arguments(argv)
        return process(options, s3_client_factory)
    except FatalError as error:
        print("preprocess: error: %s" % error, file=sys.stderr)
        return error.exit_code
    except Exception as error:  # reading input or writing output failed: say why on one (last) line
        traceback.print_exc()
        print("preprocess: error: %s: %s" % (type(error).__name__, str(error).replace("\n", " ")),
              file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
