"""The input formats: each reader turns the lines of one object into sink.add(label, text, line) or
sink.reject(reason, detail, line, raw) (glue_scripts/README.md, Input and Rows).

The hot path works on UTF-8 bytes: lines come from large chunks checked for UTF-8 once per chunk, and the CSV
reader batches its rows rather than handing them to the sink one call at a time.
"""
from __future__ import annotations

import csv
import gzip
import itertools
import json
import zlib

from preprocess_errors import warn
from preprocess_storage import close_quietly

READ_CHUNK_BYTES = 4 * 1024 * 1024
BATCH_TEXT_BYTES = 2 * 1024 * 1024
CSV_FIELD_LIMIT = 8 * 1024 * 1024
# How many more lines one CSV record may run into (a quoted field holding line breaks): DBpedia abstracts span a
# few; a quote left open would otherwise swallow the rows after it.
CSV_MAX_CONTINUATION_LINES = 64
EXCERPT_CHARS = 200
LABEL_PREFIX = "__label__"
DATA_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".txt": "fasttext"}
CSV_HEADERS = {("label", "title", "content"): 3, ("label", "text"): 2}


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


def excerpt(raw):
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


class PushbackLines(object):
    """An iterator over lines to which lines can be given back, to be read again (in order) before the rest."""

    def __init__(self, lines):
        self._lines = iter(lines)
        self._back = []

    def __iter__(self):
        return self

    def __next__(self):
        if self._back:
            return self._back.pop()
        return next(self._lines)

    def push_back(self, lines):
        self._back.extend(reversed(lines))


class _RecordTooLong(Exception):
    pass


def parse_csv_record(first_line, more_lines):
    """Parses one record with the csv module, pulling continuation lines from `more_lines` as quotes require.

    Strict mode: a quote in the wrong place, a quoted field still open at the end of the file, or one still open
    after CSV_MAX_CONTINUATION_LINES more lines (or CSV_FIELD_LIMIT bytes) is an error rather than a guess. The
    fast path only accepts strictly valid lines.

    Returns (fields as bytes or None, the continuation lines it consumed, error message or None). On an error the
    caller rejects the first line alone and reads the consumed lines again: a malformed record costs only itself.
    """
    consumed = []
    size = [len(first_line)]

    def decoded_lines():
        yield first_line.decode("utf-8", "replace") + "\n"
        for line in more_lines:
            consumed.append(line)
            size[0] += len(line) + 1
            if len(consumed) > CSV_MAX_CONTINUATION_LINES or size[0] > CSV_FIELD_LIMIT:
                raise _RecordTooLong()
            yield line.decode("utf-8", "replace") + "\n"

    try:
        row = next(csv.reader(decoded_lines(), strict=True))  # a non-empty first line always makes a record
    except _RecordTooLong:
        return None, consumed, "unterminated quoted field: still open %d lines (%d bytes) later" % (len(consumed),
                                                                                                  size[0])
    except csv.Error as error:
        if not consumed:
            return None, consumed, str(error)
        if "unexpected end of data" in str(error):
            return None, consumed, "unterminated quoted field: still open at the end of the file"
        return None, consumed, ("unterminated quoted field: the quote opened on this line runs into the next %d "
                                "line(s) (%s)" % (len(consumed), error))
    return [field.encode("utf-8") for field in row], consumed, None


def _detect_csv_header(fields):
    names = tuple(field.strip().lower() for field in fields)
    try:
        return CSV_HEADERS.get(tuple(name.decode("utf-8") for name in names))
    except UnicodeDecodeError:
        return None


def read_csv(reader, sink):
    """Reads DBpedia-shaped CSV: `label,title,content` (or `label,text` after such a header).

    A record may span lines (a quoted field holding line breaks), but a malformed one costs only its first line:
    when the record does not parse, or spans lines and does not have the file's column count, its first line is
    rejected and the lines it ran into are read again as records of their own.

    The hottest loop of the job: rows are batched here rather than handed to the sink one call at a time.
    """
    lines = PushbackLines(reader)
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
            fields, consumed, error = parse_csv_record(line, lines)
            if error is None and consumed and len(fields) != (columns or 3):
                error = ("unterminated quoted field: the quote opened on this line runs into the next %d line(s), "
                         "making a record of %d columns" % (len(consumed), len(fields)))
            if error is not None:
                sink.reject("malformed_csv", error, first, line)
                lines.push_back(consumed)
                continue
            number += len(consumed)
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
            close_quietly(stream)
        close_quietly(raw)
