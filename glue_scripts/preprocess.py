#!/usr/bin/env python3
"""AWS Glue job (Python shell): labeled text in, BlazingText-ready train / validation / test splits out.

Usage (locally, or as Glue passes the job arguments):

    python3 preprocess.py --input_uri <file | folder | s3://bucket/prefix> \\
        --output_uri <folder | s3://bucket/prefix> --run_id <id> \\
        [--validation_ratio 0.1] [--test_ratio 0.1] [--classes_uri <file | s3://bucket/key>]

glue_scripts/README.md specifies what it does (input formats, rejections, dedupe, split, order, output, exit
status). This is the job's entry point: arguments, labels, rows, the manifest. Its modules, beside it here and
shipped to Glue with --extra-py-files (services/ingestion/serverless.yml):
  preprocess_normalization  the text normalisation (NORMALIZATION.md), the contract the prediction client shares
  preprocess_storage        local files and S3 (boto3, imported only for s3:// URIs)
  preprocess_readers        the input formats (.csv, .jsonl, .txt, each optionally .gz)
  preprocess_labels         each source's label names (the class names of the drop that brought it)
  preprocess_split          dedupe, stratified split and bucketed shuffle
  preprocess_errors         exit statuses and messages
Standard library only, except boto3 at the S3 edge. Python 3.9 compatible (the Glue Python shell runtime).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone

import preprocess_readers as readers
from preprocess_errors import EXIT_NOTHING_USABLE, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, FatalError, info, warn
from preprocess_labels import (CLASSES_FILE_NAME, MISSING, SIDECAR_SUFFIX, UNMAPPED, LabelMapping, LabelResolver,
                               Labels, is_class_list, mapping_from_sidecar, parse_classes,
                               sanitize_label)  # noqa: F401 (sanitize_label: part of the job's tested interface)
from preprocess_normalization import NORMALIZATION_VERSION, normalize_batch
from preprocess_readers import data_format_of, excerpt, read_source
from preprocess_split import SPLIT_NAMES, BucketFiles, Splitter, bucket_count_for, merge_buckets
from preprocess_storage import LocalStore, S3Store, close_quietly, default_s3_client, is_s3_uri

REJECTIONS_SAMPLE_SIZE = 20
# Per rejection reason, the first rows the manifest names (the emails show them; rejected.jsonl has them all).
REJECTION_LINES_PER_REASON = 5
DEFAULT_RATIO = 0.1


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
# Rejections
# ---------------------------------------------------------------------------------------------------------------

class Rejections(object):
    """Writes rejected.jsonl as rows are rejected and keeps the counts and the sample for the manifest."""

    def __init__(self, path):
        self._file = open(path, "w", encoding="utf-8", newline="\n")
        self.count = 0
        self.by_reason = {}
        self.sample = []
        self.lines_by_reason = {}

    def add(self, source_uri, line, reason, detail, raw):
        record = {"source": source_uri, "line": line, "reason": reason, "detail": detail,
                  "excerpt": excerpt(raw)}
        self._file.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self.count += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        if len(self.sample) < REJECTIONS_SAMPLE_SIZE:
            self.sample.append(record)
        lines = self.lines_by_reason.setdefault(reason, [])
        if len(lines) < REJECTION_LINES_PER_REASON:
            lines.append({"source": source_uri, "line": line})

    def close(self):
        self._file.close()


# ---------------------------------------------------------------------------------------------------------------
# Rows: batching between the readers and the splitter
# ---------------------------------------------------------------------------------------------------------------

class SourceStats(object):
    def __init__(self, stored, data_format):
        self.stored = stored
        self.format = data_format
        self.mapping = None
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
        if self.mapping is not None:
            entry["classes"] = self.mapping.to_manifest()
        if self.error:
            entry["error"] = self.error
        return entry


class RowSink(object):
    """Collects rows from a reader into batches. Per batch: labels resolved (by the source's mapping) and texts
    normalised in bulk, rows left without a usable label or a text rejected, the others handed to the splitter."""

    def __init__(self, labels, splitter, rejections):
        self._labels = labels
        self._splitter = splitter
        self._rejections = rejections
        self._stats = None
        self._resolver = None
        self._raw_labels = []
        self._texts = []
        self._numbers = []
        self._pending_bytes = 0
        self._batch_bytes = readers.BATCH_TEXT_BYTES

    def begin(self, stats):
        self._stats = stats
        self._resolver = LabelResolver(self._labels, stats.mapping)

    def add(self, raw_label, text, line_number):
        """A row as read: its raw label (bytes, str or None), its text (UTF-8 bytes) and its line number."""
        self._raw_labels.append(raw_label)
        self._texts.append(text)
        self._numbers.append(line_number)
        self._pending_bytes += len(text)
        if self._pending_bytes >= self._batch_bytes:
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
        label_ids = self._resolver.resolve_all(raw_labels)
        normalized = normalize_batch(texts)
        if MISSING in label_ids or UNMAPPED in label_ids or not all(normalized):
            normalized, label_ids = self._reject_unusable(normalized, label_ids, raw_labels, texts, line_numbers)
        self._stats.duplicates += self._splitter.add_batch(normalized, label_ids)

    def _reject_unusable(self, normalized, label_ids, raw_labels, texts, line_numbers):
        kept_texts, kept_labels = [], []
        for text, label_id, raw_label, raw, number in zip(normalized, label_ids, raw_labels, texts, line_numbers):
            if label_id == MISSING:
                self._reject_counted("missing_label", "the row has no label", number, raw)
            elif label_id == UNMAPPED:
                label = raw_label.decode("utf-8", "replace") if isinstance(raw_label, bytes) else raw_label
                self._reject_counted("unmapped_label", self._resolver.problems[raw_label], number,
                                     "%s: %s" % (label, excerpt(raw)))
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

def partition_sources(objects):
    """Splits the listing into data sources (with their format), skipped sources, the class-name sidecars (by the
    URI of the data file each belongs to) and the classes.txt files (by folder, relative to the input)."""
    data, skipped, sidecars, folder_lists = [], [], {}, {}
    for stored in objects:
        if stored.relative_name.endswith("/"):
            continue
        if stored.base_name.endswith(SIDECAR_SUFFIX):
            sidecars[stored.uri[:-len(SIDECAR_SUFFIX)]] = stored
            continue
        if is_class_list(stored.base_name):
            if stored.base_name == CLASSES_FILE_NAME:
                folder_lists[_folder_of(stored.relative_name)] = stored
            continue
        data_format = data_format_of(stored.base_name)
        if data_format is None:
            skipped.append({"uri": stored.uri, "size": stored.size, "reason": "unsupported file extension"})
        else:
            data.append((stored, data_format))
    return data, skipped, sidecars, folder_lists


def _folder_of(relative_name):
    return relative_name.rsplit("/", 1)[0] if "/" in relative_name else ""


def _read_all_bytes(stored):
    stream = stored.open()
    try:
        return stream.read()
    finally:
        close_quietly(stream)


class Mappings(object):
    """Finds each data source's LabelMapping (preprocess_labels.py): its sidecar; else --classes_uri; else the
    nearest classes.txt in its folder or a parent folder of the input; else none."""

    def __init__(self, store_for, explicit_uri, sidecars, folder_lists):
        self._store_for = store_for
        self._explicit_uri = explicit_uri
        self._explicit = None
        self._sidecars = sidecars
        self._folder_lists = folder_lists
        self._by_folder = {}
        self.legacy_uris = []

    def mapping_for(self, stored):
        """The source's mapping; raises ValueError for an unreadable sidecar."""
        sidecar = self._sidecars.get(stored.uri)
        if sidecar is not None:
            return mapping_from_sidecar(_read_all_bytes(sidecar), sidecar.uri)
        if self._explicit_uri:
            return self._explicit_mapping()
        folder = _folder_of(stored.relative_name)
        while folder not in self._folder_lists and folder:
            folder = _folder_of(folder)
        listed = self._folder_lists.get(folder)
        if listed is None:
            return LabelMapping("none", None, None)
        if listed.uri not in self._by_folder:
            self._by_folder[listed.uri] = LabelMapping("folder", parse_classes(_read_all_bytes(listed)), listed.uri)
            self.legacy_uris.append(listed.uri)
        return self._by_folder[listed.uri]

    def _explicit_mapping(self):
        if self._explicit is None:
            data = self._store_for(self._explicit_uri).read_optional(self._explicit_uri)
            if data is None:
                warn("classes file not found, labels are used as they are: %s" % self._explicit_uri)
                self._explicit = LabelMapping("none", None, None)
            else:
                self._explicit = LabelMapping("explicit", parse_classes(data), self._explicit_uri)
                self.legacy_uris.append(self._explicit_uri)
        return self._explicit


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
        for relative in relatives:
            self._s3.upload(self.path(relative), output_file_uri(self.uri, relative))


def output_file_uri(output_uri, relative):
    """Where an output file ends up: in the output folder (a local path or an s3:// URI)."""
    if is_s3_uri(output_uri):
        return (output_uri if output_uri.endswith("/") else output_uri + "/") + relative
    return os.path.join(os.path.abspath(output_uri), *relative.split("/"))


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
        "rejection_lines": dict(sorted(rejections.lines_by_reason.items())),
        "rejected_uri": output_file_uri(options.output_uri, "rejected.jsonl"),
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

def process(options, s3_client_factory):
    """Runs the job; returns the exit status."""
    started = time.time()
    s3_store = S3Store(s3_client_factory)
    local_store = LocalStore()

    def store_for(uri):
        return s3_store if is_s3_uri(uri) else local_store

    objects = store_for(options.input_uri).list(options.input_uri)
    sources, skipped, sidecars, folder_lists = partition_sources(objects)
    mappings = Mappings(store_for, options.classes_uri, sidecars, folder_lists)
    labels = Labels()
    with tempfile.TemporaryDirectory(prefix="preprocess-") as staging:
        output = Output(options.output_uri, s3_store, staging)
        buckets = BucketFiles(staging, bucket_count_for([stored for stored, _ in sources]))
        rejections = Rejections(output.path("rejected.jsonl"))
        splitter = Splitter(labels, buckets, options.validation_ratio, options.test_ratio)
        stats = read_all(sources, mappings, RowSink(labels, splitter, rejections))
        buckets.close()
        rejections.close()
        write_split_files(output, buckets, splitter)
        run = {"input_rows": sum(entry.rows for entry in stats),
               "classes_uri": mappings.legacy_uris[0] if mappings.legacy_uris else None,
               "sources": [entry.to_manifest() for entry in stats], "skipped": skipped}
        manifest = build_manifest(options, run, labels, splitter, rejections, started)
        write_manifest(output.path("manifest.json"), manifest)
        output.publish(list(OUTPUT_FILES) + ["rejected.jsonl", "manifest.json"])
    return report(manifest, sources)


def read_all(sources, mappings, sink):
    """Reads every data source into the sink, each with its label mapping; returns their SourceStats."""
    stats = []
    for stored, data_format in sources:
        entry = SourceStats(stored, data_format)
        stats.append(entry)
        try:
            entry.mapping = mappings.mapping_for(stored)
        except ValueError as error:
            entry.error = str(error)
            warn("%s: not read: %s" % (stored.uri, error))
            continue
        read_source(stored, data_format, sink, entry)
        info("read %s: %d rows, %d rejected, %d duplicates" % (stored.uri, entry.rows, entry.rejected,
                                                              entry.duplicates))
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
