"""Tests of the Glue preprocessing job (preprocess.py and its modules): formats, rejections, splits, outputs, S3, Glue arguments."""
import ast
import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

import preprocess
import preprocess_normalization
import preprocess_readers
import preprocess_split
import preprocess_storage

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "preprocess.py")
# The job and every module it ships with --extra-py-files.
MODULES = [SCRIPT] + sorted(os.path.join(HERE, name) for name in os.listdir(HERE)
                            if name.startswith("preprocess_") and name.endswith(".py"))
SAMPLE = os.path.join(HERE, "..", "..", "shared", "data", "dbpedia_sample")
SPLITS = ("train", "validation", "test")


class JobResult(object):
    def __init__(self, code, stdout, stderr):
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def last_error_line(self):
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""


def run_job(input_uri, output_uri, *options, **kwargs):
    """Runs preprocess.main in-process; kwargs: run_id, s3 (a fake client)."""
    argv = ["preprocess.py", "--input_uri", input_uri, "--output_uri", output_uri,
            "--run_id", kwargs.get("run_id", "run-1")] + list(options)
    fake_s3 = kwargs.get("s3")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = preprocess.main(argv, s3_client_factory=lambda: fake_s3 if fake_s3 else _no_s3())
    return JobResult(code, stdout.getvalue(), stderr.getvalue())


def _no_s3():
    raise AssertionError("this test must not touch S3")


def read_outputs(folder):
    outputs = {"splits": {}}
    for split in SPLITS:
        with open(os.path.join(folder, split, split + ".txt"), "rb") as handle:
            outputs["splits"][split] = handle.read().decode("utf-8").splitlines()
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as handle:
        outputs["manifest"] = json.load(handle)
    with open(os.path.join(folder, "rejected.jsonl"), encoding="utf-8") as handle:
        outputs["rejected"] = [json.loads(line) for line in handle]
    return outputs


def all_lines(outputs):
    return [line for split in SPLITS for line in outputs["splits"][split]]


def sample_rows(counts):
    """Distinct (label, title, content) rows: counts maps a label to its number of rows."""
    rows = []
    for label, count in counts.items():
        for index in range(count):
            rows.append((label, "%s Title %d" % (label, index),
                         "The %s entry, number %d: it's about \"topic %d\" (in %s)." % (label, index, index, label)))
    return rows


def expected_line(label, title, content):
    return "__label__%s %s" % (label, preprocess_normalization.normalize_title_content(title, content))


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if path.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as handle:
        handle.write(data)


def csv_bytes(rows, header=None):
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


class Workspace(unittest.TestCase):
    """A test case with a fresh input and output folder."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="preprocess-test-")
        self.input = os.path.join(self.root, "labeled")
        self.output = os.path.join(self.root, "prepared")
        os.makedirs(self.input)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def put(self, name, data):
        write_file(os.path.join(self.input, name), data)

    def run_ok(self, *options, **kwargs):
        result = run_job(kwargs.pop("input_uri", self.input), kwargs.pop("output_uri", self.output), *options, **kwargs)
        self.assertEqual(result.code, 0, result.stderr)
        return read_outputs(kwargs.get("read_from", self.output))

    def assert_invariant(self, manifest):
        rows = manifest["rows"]
        self.assertEqual(manifest["input_rows"], rows["train"] + rows["validation"] + rows["test"]
                         + manifest["rejected_rows"] + manifest["duplicate_rows"])


class InputFormatsTest(Workspace):
    ROWS = sample_rows({"Alpha": 6, "Beta": 5, "Gamma": 4})

    def formats(self):
        rows = self.ROWS
        jsonl_text = "".join(json.dumps({"label": label, "text": title + " " + content}) + "\n"
                             for label, title, content in rows)
        jsonl_parts = "".join(json.dumps({"label": label, "title": title, "content": content}) + "\n"
                              for label, title, content in rows)
        fasttext = "".join("__label__%s %s %s\n" % (label, title, content) for label, title, content in rows)
        return {
            "plain.csv": csv_bytes(rows),
            "header.csv": csv_bytes(rows, header=["label", "title", "content"]),
            "text-header.csv": csv_bytes([(label, title + " " + content) for label, title, content in rows],
                                         header=["Label", "Text"]),
            "text.jsonl": jsonl_text.encode("utf-8"),
            "parts.jsonl": jsonl_parts.encode("utf-8"),
            "lines.txt": fasttext.encode("utf-8"),
        }

    def test_every_format_plain_and_gzipped_gives_the_same_rows(self):
        expected = sorted(expected_line(*row) for row in self.ROWS)
        for name, data in self.formats().items():
            for compressed in (False, True):
                file_name = name + (".gz" if compressed else "")
                with self.subTest(file_name):
                    shutil.rmtree(self.input)
                    self.put(file_name, data)
                    outputs = self.run_ok()
                    self.assertEqual(sorted(all_lines(outputs)), expected)
                    manifest = outputs["manifest"]
                    self.assertEqual(manifest["input_rows"], len(self.ROWS))
                    self.assertEqual(manifest["rejected_rows"], 0)
                    self.assertEqual(manifest["sources"][0]["rows"], len(self.ROWS))
                    self.assertEqual(manifest["sources"][0]["size"], os.path.getsize(os.path.join(self.input,
                                                                                                  file_name)))

    def test_all_formats_together_dedupe_to_one_copy(self):
        for name, data in self.formats().items():
            self.put(name, data)
        outputs = self.run_ok()
        manifest = outputs["manifest"]
        self.assertEqual(manifest["input_rows"], 6 * len(self.ROWS))
        self.assertEqual(manifest["duplicate_rows"], 5 * len(self.ROWS))
        self.assertEqual(sorted(all_lines(outputs)), sorted(expected_line(*row) for row in self.ROWS))
        self.assert_invariant(manifest)

    def test_original_dbpedia_shape_crlf_bom_multiline_and_escaped_quotes(self):
        data = ('\ufeff1,"E. D. Abbott Ltd"," Abbott of Farnham was a British coachbuilder."\r\n'
                '2,"Schwan-Stabilo","A German maker of ""pens""\r\nand pencils."\r\n'
                '2,Unquoted Title,Unquoted content here\r\n').encode("utf-8")
        self.put("dbpedia.csv", data)
        outputs = self.run_ok()
        self.assertEqual(sorted(all_lines(outputs)), sorted([
            "__label__1 e . d . abbott ltd abbott of farnham was a british coachbuilder .",
            "__label__2 schwan - stabilo a german maker of \" pens \" and pencils .",
            "__label__2 unquoted title unquoted content here",
        ]))
        self.assertEqual(outputs["manifest"]["sources"][0]["rows"], 3)

    def test_unsupported_files_are_skipped_sources_not_errors(self):
        self.put("data.csv", csv_bytes(self.ROWS))
        self.put("notes/readme.md", b"# not data")
        self.put("image.png", b"\x89PNG")
        outputs = self.run_ok()
        skipped = outputs["manifest"]["skipped_sources"]
        self.assertEqual([os.path.basename(entry["uri"]) for entry in skipped], ["image.png", "readme.md"])
        self.assertTrue(all(entry["reason"] == "unsupported file extension" for entry in skipped))

    def test_a_corrupt_gzip_is_reported_on_its_source_and_the_rest_is_read(self):
        self.put("good.csv", csv_bytes(self.ROWS))
        with open(os.path.join(self.input, "bad.csv.gz"), "wb") as handle:
            handle.write(b"\x1f\x8b\x08\x00garbage that is not deflate")
        result = run_job(self.input, self.output)
        self.assertEqual(result.code, 0, result.stderr)
        manifest = read_outputs(self.output)["manifest"]
        bad = [source for source in manifest["sources"] if source["uri"].endswith("bad.csv.gz")][0]
        self.assertIn("could not decompress", bad["error"])
        self.assertEqual(sum(manifest["rows"].values()), len(self.ROWS))
        self.assertIn("bad.csv.gz", result.stderr)


class RejectionsTest(Workspace):
    def test_every_rejection_reason_with_line_numbers(self):
        good = csv_bytes(sample_rows({"A": 5, "B": 5}))
        self.put("a.csv", good + (
            b'"","No label","Some content"\n'
            b'"A","   ","\t"\n'
            b'"A","Only two columns"\n'
            b'"B","Bad \xff\xfe bytes","here"\n'
            b'"B","Still read","after the bad line"\n'
            b'"A","Unclosed quote at the end of file\n'))
        self.put("b.jsonl", b'{"label": "A", "text": "fine json row"}\n'
                             b'{"label": "A", "text": broken\n'
                             b'["not", "an", "object"]\n'
                             b'{"label": ["A"], "text": "label is a list"}\n'
                             b'{"text": "no label at all"}\n'
                             b'{"label": "B", "text": 42}\n'
                             b'{"label": "B", "text": "lone \\ud800 surrogate"}\n')
        self.put("c.txt", b"__label__A fine fasttext row\nno label prefix here\n__label__A __label__B two labels\n"
                          b"__label__B\n")
        outputs = self.run_ok()
        manifest = outputs["manifest"]
        self.assertEqual(manifest["rejection_reasons"], {
            "empty_text": 2, "invalid_label": 2, "invalid_utf8": 2, "malformed_csv": 1, "missing_label": 3,
            "unparsable_json": 3, "wrong_column_count": 1})
        by_line = {(os.path.basename(entry["source"]), entry["line"]): entry["reason"] for entry in outputs["rejected"]}
        self.assertEqual(by_line[("a.csv", 11)], "missing_label")
        self.assertEqual(by_line[("a.csv", 12)], "empty_text")
        self.assertEqual(by_line[("a.csv", 13)], "wrong_column_count")
        self.assertEqual(by_line[("a.csv", 14)], "invalid_utf8")
        self.assertEqual(by_line[("a.csv", 16)], "malformed_csv")
        self.assertEqual(by_line[("b.jsonl", 2)], "unparsable_json")
        self.assertEqual(by_line[("b.jsonl", 7)], "invalid_utf8")
        self.assertEqual(by_line[("c.txt", 3)], "invalid_label")
        self.assertEqual(by_line[("c.txt", 4)], "empty_text")
        self.assertIn("__label__B still read after the bad line", all_lines(outputs))
        self.assertEqual(manifest["rejected_rows"], len(outputs["rejected"]))
        self.assertEqual(len(manifest["rejections_sample"]), min(20, manifest["rejected_rows"]))
        self.assertTrue(all(entry["detail"] for entry in outputs["rejected"]))
        self.assertTrue(all(entry["excerpt"] for entry in outputs["rejected"] if entry["reason"] != "empty_text"))
        self.assert_invariant(manifest)

    def test_invalid_utf8_found_across_read_chunks(self):
        lines = [b'"A","row %d","some text"\n' % index for index in range(300)]
        lines[150] = b'"A","broken \xc3\x28 row","x"\n'
        self.put("a.csv", b"".join(lines))
        original = preprocess_readers.READ_CHUNK_BYTES
        preprocess_readers.READ_CHUNK_BYTES = 100
        try:
            outputs = self.run_ok()
        finally:
            preprocess_readers.READ_CHUNK_BYTES = original
        self.assertEqual([(entry["line"], entry["reason"]) for entry in outputs["rejected"]], [(151, "invalid_utf8")])
        self.assertEqual(sum(outputs["manifest"]["rows"].values()), 299)

    def test_excerpts_are_truncated(self):
        self.put("a.csv", b'"","' + b"x" * 5000 + b'","y"\n' + csv_bytes(sample_rows({"A": 3})))
        outputs = self.run_ok()
        self.assertLessEqual(len(outputs["rejected"][0]["excerpt"]), 203)


class MalformedCsvTest(Workspace):
    """A malformed row costs only itself: an unterminated quote does not swallow the rows after it."""

    def lines(self, count):
        return [b'"%d","Title %d","Content of row %d, distinct."\n' % (1 + index % 3, index, index)
                for index in range(count)]

    def test_unterminated_quote_on_line_299_of_301_loses_that_row_only(self):
        lines = self.lines(301)
        lines[298] = b'"2","Title 298","Content of row 298 with a quote that never closes\n'
        self.put("a.csv", b"".join(lines))
        outputs = self.run_ok()
        manifest = outputs["manifest"]
        self.assertEqual(manifest["input_rows"], 301)
        self.assertEqual(sum(manifest["rows"].values()), 300)
        self.assertEqual([(entry["line"], entry["reason"]) for entry in outputs["rejected"]], [(299, "malformed_csv")])
        self.assertIn("unterminated quoted field", outputs["rejected"][0]["detail"])
        self.assertIn("__label__3 title 299 content of row 299 , distinct .", all_lines(outputs))
        self.assertIn("__label__1 title 300 content of row 300 , distinct .", all_lines(outputs))
        self.assertEqual(manifest["rejection_lines"], {"malformed_csv": [{"source": manifest["sources"][0]["uri"],
                                                                          "line": 299}]})
        self.assert_invariant(manifest)

    def test_an_open_quote_before_unquoted_rows_is_bounded_and_resynchronised(self):
        unquoted = [b"%d,Title %d,Plain row %d\n" % (1 + index % 2, index, index) for index in range(200)]
        unquoted[10] = b'1,"Opened but never closed,and more\n'
        self.put("a.csv", b"".join(unquoted))
        outputs = self.run_ok()
        self.assertEqual([(entry["line"], entry["reason"]) for entry in outputs["rejected"]], [(11, "malformed_csv")])
        self.assertIn("still open %d lines" % (preprocess_readers.CSV_MAX_CONTINUATION_LINES + 1),
                      outputs["rejected"][0]["detail"])
        self.assertEqual(sum(outputs["manifest"]["rows"].values()), 199)

    def test_a_quote_that_closes_as_a_record_of_other_columns_is_malformed_not_swallowing(self):
        self.put("a.csv", b'1,"Title,content\n2,Next title,"next content"\n3,Third,third content\n')
        outputs = self.run_ok()
        self.assertEqual([entry["line"] for entry in outputs["rejected"]], [1])
        self.assertEqual(sorted(line.split(" ")[0] for line in all_lines(outputs)), ["__label__2", "__label__3"])

    def test_multi_line_quoted_fields_are_still_one_record(self):
        self.put("a.csv", b'"1","Title","first line\nsecond line\nthird"\n"2","Other","plain"\n')
        outputs = self.run_ok()
        self.assertEqual(outputs["rejected"], [])
        self.assertIn("__label__1 title first line second line third", all_lines(outputs))


class DropClassNamesTest(Workspace):
    """Each kept drop's sidecar names its labels: a numeric label means what the drop that brought it said."""

    def sidecar(self, data_name, classes, classes_uri="s3://bucket/labeled/x/classes.20260101T000000Z.0123456789ab.txt"):
        document = {"data": data_name, "classes": classes, "classesUri": classes_uri if classes is not None else None}
        self.put(data_name + ".classes.json", json.dumps(document).encode("utf-8"))

    def test_two_drops_with_different_class_lists_keep_their_names_apart(self):
        self.put("a/data.0123456789ab.csv", b'"1","Crumb","A bakery in town."\n"2","Peak","A tall mountain."\n')
        self.sidecar("a/data.0123456789ab.csv", ["Bakery", "Mountain"])
        self.put("b/data.ba9876543210.csv", b'"1","Acme","A company."\n"2","Springfield High","A school."\n')
        self.sidecar("b/data.ba9876543210.csv", ["Company", "School"])
        # kept class lists and a legacy global classes.txt are never data, and the latter names no sidecar'd file
        self.put("a/classes.20260101T000000Z.0123456789ab.txt", b"Bakery\nMountain\n")
        self.put("classes.txt", b"Renamed\nEverything\n")
        outputs = self.run_ok()
        lines = sorted(all_lines(outputs))
        self.assertEqual([line.split(" ")[0] for line in lines],
                         ["__label__Bakery", "__label__Company", "__label__Mountain", "__label__School"])
        sources = {os.path.basename(entry["uri"]): entry for entry in outputs["manifest"]["sources"]}
        self.assertEqual(sorted(sources), ["data.0123456789ab.csv", "data.ba9876543210.csv"])
        self.assertEqual(sources["data.0123456789ab.csv"]["classes"]["kind"], "drop")
        self.assertEqual(sources["data.0123456789ab.csv"]["classes"]["names"], 2)
        self.assertIsNone(outputs["manifest"]["classes_uri"])

    def test_labels_the_drops_list_does_not_name_are_rejected_rows(self):
        self.put("a/data.0123456789ab.csv", b'"1","Crumb","A bakery."\n"3","Beyond","Label three."\n'
                                            b'"Mountain","Peak","A name of the list."\n"Volcano","Etna","Not in it."\n')
        self.sidecar("a/data.0123456789ab.csv", ["Bakery", "Mountain"])
        self.put("n/names.0123456789ab.csv", b'"Bakery","Crumb two","Names only."\n"7","Seven","No list."\n')
        self.sidecar("n/names.0123456789ab.csv", None)
        outputs = self.run_ok()
        rejected = {(os.path.basename(entry["source"]), entry["line"]): entry for entry in outputs["rejected"]}
        self.assertEqual(sorted(rejected), [("data.0123456789ab.csv", 2), ("data.0123456789ab.csv", 4),
                                            ("names.0123456789ab.csv", 2)])
        self.assertTrue(all(entry["reason"] == "unmapped_label" for entry in rejected.values()))
        self.assertIn("label 3 is not named", rejected[("data.0123456789ab.csv", 2)]["detail"])
        self.assertIn("'Volcano' is not one of the names", rejected[("data.0123456789ab.csv", 4)]["detail"])
        self.assertIn("without a classes.txt", rejected[("names.0123456789ab.csv", 2)]["detail"])
        self.assertTrue(rejected[("data.0123456789ab.csv", 2)]["excerpt"].startswith("3: "))
        self.assertEqual(sorted(outputs["manifest"]["labels"]), ["Bakery", "Mountain"])
        self.assert_invariant(outputs["manifest"])

    def test_an_unreadable_sidecar_leaves_its_file_unread_with_the_reason(self):
        self.put("a/data.0123456789ab.csv", b'"1","Crumb","A bakery."\n')
        self.put("a/data.0123456789ab.csv.classes.json", b"{not json")
        self.put("b/other.csv", b'"Tree","Oak","A tree."\n')
        outputs = self.run_ok()
        sources = {os.path.basename(entry["uri"]): entry for entry in outputs["manifest"]["sources"]}
        self.assertIn("unreadable class-name sidecar", sources["data.0123456789ab.csv"]["error"])
        self.assertEqual(sources["data.0123456789ab.csv"]["rows"], 0)
        self.assertEqual(list(outputs["manifest"]["labels"]), ["Tree"])

    def test_files_without_a_sidecar_take_the_nearest_classes_txt(self):
        self.put("classes.txt", b"Root\n")
        self.put("x/classes.txt", b"Folder\n")
        self.put("x/deeper/a.csv", b'"1","One","From the folder above."\n')
        self.put("y/b.csv", b'"1","Two","From the root."\n')
        outputs = self.run_ok()
        self.assertEqual(sorted(line.split(" ")[0] for line in all_lines(outputs)), ["__label__Folder", "__label__Root"])
        kinds = {os.path.basename(entry["uri"]): entry["classes"] for entry in outputs["manifest"]["sources"]}
        self.assertEqual(kinds["a.csv"]["kind"], "folder")
        self.assertTrue(kinds["a.csv"]["uri"].endswith("x/classes.txt"))


class SplitTest(Workspace):
    def test_labels_with_enough_rows_are_in_every_split_in_proportion(self):
        self.put("a.csv", csv_bytes(sample_rows({"One": 1, "Two": 2, "Three": 3, "Ten": 10, "Big": 200})))
        manifest = self.run_ok()["manifest"]
        self.assertEqual(manifest["labels"], {
            "Big": {"train": 160, "validation": 20, "test": 20},
            "One": {"train": 1, "validation": 0, "test": 0},
            "Ten": {"train": 8, "validation": 1, "test": 1},
            "Three": {"train": 1, "validation": 1, "test": 1},
            "Two": {"train": 1, "validation": 1, "test": 0},
        })
        self.assertEqual(manifest["rows"], {"train": 171, "validation": 23, "test": 22})

    def test_each_label_is_split_by_rank_of_digest_and_files_are_in_digest_order(self):
        rows = sample_rows({"A": 97, "B": 41, "C": 5, "D": 2})
        self.put("a.csv", csv_bytes(rows))
        outputs = self.run_ok("--validation_ratio", "0.15", "--test_ratio", "0.1")
        by_label = {}
        for label, title, content in rows:
            text = preprocess_normalization.normalize_title_content(title, content)
            digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
            by_label.setdefault(label, []).append((digest, "__label__%s %s" % (label, text)))
        expected = dict((split, []) for split in SPLITS)
        for label, items in by_label.items():
            items.sort()
            _, validation, test = preprocess_split.split_quotas(len(items), 0.15, 0.1)
            for rank, item in enumerate(items):
                expected["test" if rank < test else "validation" if rank < test + validation else "train"].append(item)
        for split in SPLITS:
            self.assertEqual(outputs["splits"][split], [line for _, line in sorted(expected[split])], split)

    def test_files_hold_what_the_manifest_counts(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 37, "B": 13, "C": 3})))
        outputs = self.run_ok("--validation_ratio", "0.2", "--test_ratio", "0.15")
        for split in SPLITS:
            labels = [line.split(" ", 1)[0][len("__label__"):] for line in outputs["splits"][split]]
            self.assertEqual({label: labels.count(label) for label in set(labels)},
                             {label: counts[split] for label, counts in outputs["manifest"]["labels"].items()
                              if counts[split]})
        self.assertEqual(outputs["manifest"]["labels"]["A"], {"train": 24, "validation": 7, "test": 6})

    def test_zero_ratios_leave_splits_empty(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 10})))
        manifest = self.run_ok("--validation_ratio", "0", "--test_ratio", "0.5")["manifest"]
        self.assertEqual(manifest["labels"]["A"], {"train": 5, "validation": 0, "test": 5})

    def test_split_quotas_rules(self):
        self.assertEqual(preprocess_split.split_quotas(1, 0.1, 0.1), (1, 0, 0))
        self.assertEqual(preprocess_split.split_quotas(2, 0.1, 0.1), (1, 1, 0))
        self.assertEqual(preprocess_split.split_quotas(3, 0.1, 0.1), (1, 1, 1))
        self.assertEqual(preprocess_split.split_quotas(3, 0.45, 0.45), (1, 1, 1))
        self.assertEqual(preprocess_split.split_quotas(2, 0.0, 0.1), (1, 0, 1))
        self.assertEqual(preprocess_split.split_quotas(1000, 0.1, 0.1), (800, 100, 100))
        self.assertEqual(preprocess_split.split_quotas(15, 0.1, 0.1), (11, 2, 2))

    def test_no_leakage_duplicates_dropped_after_normalisation(self):
        rows = sample_rows({"A": 30, "B": 30})
        variants = [(label, title.upper(), "  " + content.replace(" ", "\t")) for label, title, content in rows]
        conflicting = [("B", rows[0][1], rows[0][2])]
        self.put("a.csv", csv_bytes(rows))
        self.put("b.csv", csv_bytes(variants + conflicting))
        outputs = self.run_ok()
        manifest = outputs["manifest"]
        self.assertEqual(manifest["duplicate_rows"], 61)
        self.assertEqual(manifest["label_conflicts"], 1)
        texts = {split: set(line.split(" ", 1)[1] for line in outputs["splits"][split]) for split in SPLITS}
        self.assertFalse(texts["test"] & texts["train"])
        self.assertFalse(texts["validation"] & texts["train"])
        self.assertFalse(texts["test"] & texts["validation"])
        self.assertEqual(len(all_lines(outputs)), 60)
        self.assert_invariant(manifest)

    def test_class_sorted_input_comes_out_shuffled(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 100, "B": 100, "C": 100})))
        train = self.run_ok()["splits"]["train"]
        first_labels = set(line.split(" ", 1)[0] for line in train[:30])
        self.assertEqual(first_labels, {"__label__A", "__label__B", "__label__C"})


class DeterminismTest(Workspace):
    def test_same_input_gives_byte_identical_outputs(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 50, "B": 40})) + b'"","x","y"\n')
        self.put("b.jsonl", b'{"label": "C", "text": "one more row"}\n{bad json\n')
        first = os.path.join(self.root, "first")
        second = os.path.join(self.root, "second")
        self.run_ok(output_uri=first, read_from=first)
        self.run_ok(output_uri=second, read_from=second, run_id="run-2")
        for relative in ("train/train.txt", "validation/validation.txt", "test/test.txt", "rejected.jsonl"):
            with open(os.path.join(first, relative), "rb") as one, open(os.path.join(second, relative), "rb") as two:
                self.assertEqual(one.read(), two.read(), relative)
        manifests = [read_outputs(folder)["manifest"] for folder in (first, second)]
        for manifest in manifests:
            for volatile in ("run_id", "output_uri", "rejected_uri", "started_at", "finished_at", "elapsed_seconds"):
                manifest.pop(volatile)
        self.assertEqual(manifests[0], manifests[1])

    def test_output_does_not_depend_on_file_order_bucket_count_or_batch_size(self):
        rows = sample_rows({"A": 60, "B": 45, "C": 7})
        self.put("1.csv", csv_bytes(rows[:50]))
        self.put("2.csv", csv_bytes(rows[50:]))
        reference = self.run_ok()["splits"]
        shutil.rmtree(self.input)
        self.put("x.csv", csv_bytes(list(reversed(rows[70:]))))
        self.put("y.csv", csv_bytes(rows[:70]))
        constants = ((preprocess_split, "BUCKET_TARGET_BYTES"), (preprocess_readers, "BATCH_TEXT_BYTES"),
                     (preprocess_readers, "READ_CHUNK_BYTES"))
        saved = [(module, name, getattr(module, name)) for module, name in constants]
        try:
            preprocess_split.BUCKET_TARGET_BYTES = 500
            preprocess_readers.BATCH_TEXT_BYTES, preprocess_readers.READ_CHUNK_BYTES = 300, 64
            self.assertEqual(self.run_ok()["splits"], reference)
        finally:
            for module, name, value in saved:
                setattr(module, name, value)


class LabelsTest(Workspace):
    def test_classes_txt_in_the_input_maps_numeric_labels_and_is_not_data(self):
        self.put("drop1/data.csv", b'"1","Acme","A company."\n"2","Springfield High","A school."\n'
                                   b'"3","No name for three","Kept as 3."\n')
        self.put("drop1/classes.txt", b"Company\nEducational Institution\n\n")
        outputs = self.run_ok()
        self.assertEqual(sorted(outputs["manifest"]["labels"]), ["3", "Company", "Educational_Institution"])
        self.assertTrue(outputs["manifest"]["classes_uri"].endswith("classes.txt"))
        self.assertEqual(len(outputs["manifest"]["sources"]), 1)

    def test_explicit_classes_uri_wins_and_a_missing_one_is_a_warning(self):
        self.put("data.csv", b'"1","Acme","A company."\n')
        self.put("classes.txt", b"FromListing\n")
        explicit = os.path.join(self.root, "names.txt")
        write_file(explicit, b"FromOption\n")
        outputs = self.run_ok("--classes_uri", explicit)
        self.assertEqual(list(outputs["manifest"]["labels"]), ["FromOption"])
        result = run_job(self.input, self.output, "--classes_uri", os.path.join(self.root, "missing.txt"))
        self.assertEqual(result.code, 0)
        self.assertIn("classes file not found", result.stderr)
        self.assertEqual(list(read_outputs(self.output)["manifest"]["labels"]), ["1"])

    def test_labels_are_sanitised_for_fasttext(self):
        self.assertEqual(preprocess.sanitize_label("  my label\tname ", {}), "my_label_name")
        self.assertEqual(preprocess.sanitize_label("__label__Company", {}), "Company")
        self.assertEqual(preprocess.sanitize_label("07", {"7": "Building"}), "Building")
        self.assertEqual(preprocess.sanitize_label("\u0663", {"3": "Arabic digit is not mapped"}), "\u0663")
        self.assertEqual(preprocess.sanitize_label(" __label__ ", {}), "")

    def test_labels_without_a_kept_row_are_not_listed(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 4}) + [("Ghost", " ", "")]))
        labels = self.run_ok()["manifest"]["labels"]
        self.assertEqual(list(labels), ["A"])

    def test_sanitised_labels_in_the_output(self):
        self.put("a.jsonl", b'{"label": "Written Work", "text": "a novel"}\n'
                            b'{"label": 7, "text": "a building"}\n')
        self.put("classes.txt", b"\n".join(b"c%d" % n for n in range(1, 7)) + b"\nBuilding\n")
        lines = sorted(all_lines(self.run_ok()))
        self.assertEqual(lines, ["__label__Building a building", "__label__Written_Work a novel"])


class ExitStatusTest(Workspace):
    def test_only_rejected_rows_is_a_failure_with_a_one_line_reason(self):
        self.put("a.csv", b'"","no","label"\n"A","only two"\n')
        result = run_job(self.input, self.output)
        self.assertEqual(result.code, preprocess.EXIT_NOTHING_USABLE)
        self.assertTrue(result.last_error_line.startswith("preprocess: error: no usable rows"), result.stderr)
        self.assertIn("missing_label 1", result.last_error_line)
        self.assertEqual(read_outputs(self.output)["manifest"]["rejected_rows"], 2)

    def test_no_data_files(self):
        self.put("readme.md", b"nothing to see")
        result = run_job(self.input, self.output)
        self.assertEqual(result.code, preprocess.EXIT_NOTHING_USABLE)
        self.assertIn("no data files", result.last_error_line)

    def test_missing_input_is_unreadable(self):
        result = run_job(os.path.join(self.root, "nope"), self.output)
        self.assertEqual(result.code, preprocess.EXIT_UNREADABLE)
        self.assertEqual(result.last_error_line, "preprocess: error: input not found: %s"
                         % os.path.join(self.root, "nope"))

    def test_bad_ratios(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 3})))
        for options in (["--test_ratio", "1.5"], ["--validation_ratio", "abc"],
                        ["--validation_ratio", "0.6", "--test_ratio", "0.4"]):
            with self.subTest(options):
                result = run_job(self.input, self.output, *options)
                self.assertEqual(result.code, preprocess.EXIT_USAGE)
                self.assertTrue(result.last_error_line.startswith("preprocess: error: "))

    def test_as_a_process(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 5, "B": 5})))
        ok = subprocess.run([sys.executable, SCRIPT, "--input_uri", self.input, "--output_uri", self.output,
                             "--run_id", "r1"], capture_output=True, text=True, timeout=60)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertIn("train 6, validation 2, test 2", ok.stdout)
        missing = subprocess.run([sys.executable, SCRIPT, "--input_uri", os.path.join(self.root, "none"),
                                  "--output_uri", self.output, "--run_id", "r2"],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(missing.returncode, 1)
        self.assertEqual(len(missing.stderr.strip().splitlines()), 1)
        usage = subprocess.run([sys.executable, SCRIPT, "--input_uri", self.input], capture_output=True, text=True,
                               timeout=60)
        self.assertEqual(usage.returncode, 2)
        self.assertIn("--output_uri", usage.stderr)


class FakeBody(io.BytesIO):
    pass


class FakeS3Error(Exception):
    def __init__(self, code):
        super().__init__("An error occurred (%s)" % code)
        self.response = {"Error": {"Code": code}}


class FakeS3(object):
    """The slice of the boto3 S3 client the job uses, in memory, paginating two keys a page."""

    def __init__(self, objects):
        self.objects = dict(objects)
        self.uploads = {}
        self.list_calls = 0

    def list_objects_v2(self, Bucket, Prefix="", ContinuationToken=None):
        self.list_calls += 1
        if Bucket != "data":
            raise FakeS3Error("NoSuchBucket")
        keys = sorted(key for key in self.objects if key.startswith(Prefix))
        start = int(ContinuationToken or 0)
        page = keys[start:start + 2]
        response = {"Contents": [{"Key": key, "Size": len(self.objects[key]), "ETag": '"etag-%s"' % key}
                                 for key in page], "IsTruncated": start + 2 < len(keys)}
        if response["IsTruncated"]:
            response["NextContinuationToken"] = str(start + 2)
        return response

    def get_object(self, Bucket, Key):
        if Key not in self.objects:
            raise FakeS3Error("NoSuchKey")
        return {"Body": FakeBody(self.objects[Key])}

    def upload_file(self, Filename, Bucket, Key):
        with open(Filename, "rb") as handle:
            self.uploads[(Bucket, Key)] = handle.read()


class S3Test(Workspace):
    def test_reads_and_writes_s3_through_the_client(self):
        rows = sample_rows({"1": 20, "2": 20})
        fake = FakeS3({
            "labeled/2024/a.csv": csv_bytes(rows[:25]),
            "labeled/2024/b.csv.gz": gzip.compress(csv_bytes(rows[25:]), mtime=0),
            "labeled/classes.txt": b"Company\nSchool\n",
            "labeled/notes.pdf": b"%PDF",
            "labeled/": b"",
            "labeled-old/c.csv": csv_bytes(sample_rows({"9": 5})),
        })
        result = run_job("s3://data/labeled", "s3://data/prepared/run-7/", run_id="run-7", s3=fake)
        self.assertEqual(result.code, 0, result.stderr)
        self.assertGreater(fake.list_calls, 1)
        keys = sorted(key for _, key in fake.uploads)
        self.assertEqual(keys, ["prepared/run-7/manifest.json", "prepared/run-7/rejected.jsonl",
                                "prepared/run-7/test/test.txt", "prepared/run-7/train/train.txt",
                                "prepared/run-7/validation/validation.txt"])
        manifest = json.loads(fake.uploads[("data", "prepared/run-7/manifest.json")].decode("utf-8"))
        self.assertEqual(manifest["run_id"], "run-7")
        self.assertEqual(manifest["rows"], {"train": 32, "validation": 4, "test": 4})
        self.assertEqual(sorted(manifest["labels"]), ["Company", "School"])
        self.assertEqual(manifest["classes_uri"], "s3://data/labeled/classes.txt")
        self.assertEqual([(source["uri"], source["etag"]) for source in manifest["sources"]], [
            ("s3://data/labeled/2024/a.csv", "etag-labeled/2024/a.csv"),
            ("s3://data/labeled/2024/b.csv.gz", "etag-labeled/2024/b.csv.gz")])
        self.assertEqual(manifest["skipped_sources"][0]["uri"], "s3://data/labeled/notes.pdf")
        train = fake.uploads[("data", "prepared/run-7/train/train.txt")].decode("utf-8").splitlines()
        self.assertEqual(len(train), 32)

    def test_missing_explicit_classes_object_is_a_warning(self):
        fake = FakeS3({"labeled/a.csv": b'"1","t","some text"\n'})
        result = run_job("s3://data/labeled/", "s3://data/out", "--classes_uri", "s3://data/classes.txt", s3=fake)
        self.assertEqual(result.code, 0, result.stderr)
        self.assertIn("classes file not found", result.stderr)

    def test_unreadable_bucket_fails_with_the_reason(self):
        result = run_job("s3://other/labeled/", "s3://data/out", s3=FakeS3({}))
        self.assertEqual(result.code, preprocess.EXIT_UNREADABLE)
        self.assertIn("NoSuchBucket", result.last_error_line)

    def test_boto3_client_uses_path_style_with_a_local_endpoint(self):
        created = {}

        class FakeConfig(object):
            def __init__(self, **kwargs):
                created["config_arguments"] = kwargs

        fake_boto3 = types.SimpleNamespace(client=lambda service, **kwargs: created.update(service=service, **kwargs))
        modules = {"boto3": fake_boto3, "botocore": types.ModuleType("botocore"),
                   "botocore.config": types.SimpleNamespace(Config=FakeConfig)}
        environment = {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_REGION": "us-east-1"}
        with patched_modules(modules), patched_environment(environment):
            preprocess_storage.default_s3_client()
        self.assertEqual(created["service"], "s3")
        self.assertEqual(created["endpoint_url"], "http://127.0.0.1:4566")
        self.assertIsInstance(created["config"], FakeConfig)
        self.assertEqual(created["config_arguments"], {"s3": {"addressing_style": "path"}})


@contextlib.contextmanager
def patched_modules(modules):
    saved = dict((name, sys.modules.get(name)) for name in modules)
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


@contextlib.contextmanager
def patched_environment(values):
    saved = dict((name, os.environ.get(name)) for name in values)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def fake_awsglue(calls):
    """An `awsglue` package whose getResolvedOptions behaves as Glue's: required options only, extras ignored."""
    import argparse

    def get_resolved_options(args, options):
        calls.append(list(options))
        parser = argparse.ArgumentParser()
        for option in options:
            parser.add_argument("--" + option, required=True)
        known, _ = parser.parse_known_args(args[1:])
        return vars(known)

    package = types.ModuleType("awsglue")
    utils = types.ModuleType("awsglue.utils")
    utils.getResolvedOptions = get_resolved_options
    package.utils = utils
    return {"awsglue": package, "awsglue.utils": utils}


class GlueArgumentsTest(Workspace):
    def test_arguments_come_from_get_resolved_options_on_glue(self):
        self.put("a.csv", csv_bytes(sample_rows({"A": 10})))
        calls = []
        glue_argv = ["script.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--job-bookmark-option",
                     "job-bookmark-disable", "--input_uri", self.input, "--output_uri", self.output,
                     "--run_id", "glue-run", "--test_ratio=0.3"]
        with patched_modules(fake_awsglue(calls)):
            options = preprocess.parse_arguments(glue_argv)
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                code = preprocess.main(glue_argv, s3_client_factory=_no_s3)
        self.assertEqual(code, 0)
        self.assertEqual(calls[0], ["input_uri", "output_uri", "run_id", "test_ratio"])
        self.assertEqual((options.run_id, options.test_ratio, options.validation_ratio), ("glue-run", 0.3, 0.1))
        manifest = read_outputs(self.output)["manifest"]
        self.assertEqual(manifest["run_id"], "glue-run")
        self.assertEqual(manifest["labels"]["A"], {"train": 6, "validation": 1, "test": 3})

    def test_without_awsglue_unknown_glue_arguments_are_tolerated(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            options = preprocess.parse_arguments(["p.py", "--input_uri", "in", "--output_uri", "out", "--run_id", "r",
                                                  "--JOB_RUN_ID", "jr_1"])
        self.assertEqual((options.input_uri, options.classes_uri, options.validation_ratio), ("in", None, 0.1))
        self.assertIn("ignoring unknown arguments: --JOB_RUN_ID jr_1", stderr.getvalue())


class FastCsvTest(unittest.TestCase):
    def test_agrees_with_the_csv_module_whenever_it_answers(self):
        pieces = [b"a", b"b", b",", b'"', b" ", b'""', b"\xc3\xa9"]
        generator = random.Random(7)
        answered = 0
        for _ in range(20000):
            line = b"".join(generator.choice(pieces) for _ in range(generator.randint(1, 12)))
            fields = preprocess_readers.fast_csv_fields(line)
            if fields is None:
                continue
            answered += 1
            expected = next(csv.reader([line.decode("utf-8") + "\n"]))
            self.assertEqual([field.decode("utf-8") for field in fields], expected, line)
        self.assertGreater(answered, 3000)

    def test_common_shapes_take_the_fast_path(self):
        self.assertEqual(preprocess_readers.fast_csv_fields(b'1,"a, b","c"'), [b"1", b"a, b", b"c"])
        self.assertEqual(preprocess_readers.fast_csv_fields(b'"1","a","c"'), [b"1", b"a", b"c"])
        self.assertEqual(preprocess_readers.fast_csv_fields(b"1,a,c"), [b"1", b"a", b"c"])
        self.assertIsNone(preprocess_readers.fast_csv_fields(b'1,"a ""b""","c"'))


class RuntimeCompatibilityTest(unittest.TestCase):
    def test_modules_are_found(self):
        self.assertEqual([os.path.basename(path) for path in MODULES],
                         ["preprocess.py", "preprocess_errors.py", "preprocess_labels.py", "preprocess_normalization.py",
                          "preprocess_readers.py", "preprocess_split.py", "preprocess_storage.py"])

    def test_source_parses_as_python_3_9(self):
        for path in MODULES:
            with open(path, encoding="utf-8") as handle:
                ast.parse(handle.read(), feature_version=(3, 9))

    def test_no_boto3_import_at_module_level(self):
        for path in MODULES:
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
            names = [alias.name for node in top_level for alias in node.names]
            self.assertNotIn("boto3", names, path)

    def test_imports_only_the_standard_library_and_its_own_modules(self):
        own = set(os.path.basename(path)[:-3] for path in MODULES)
        for path in MODULES:
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            for node in tree.body:
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    self.assertTrue(top in own or top in sys.stdlib_module_names or top == "__future__", (path, name))


@unittest.skipUnless(os.path.isfile(os.path.join(SAMPLE, "train.csv")), "needs ../shared/data/dbpedia_sample")
class DbpediaSampleTest(Workspace):
    def test_the_real_sample(self):
        shutil.copy(os.path.join(SAMPLE, "train.csv"), self.input)
        shutil.copy(os.path.join(SAMPLE, "classes.txt"), self.input)
        outputs = self.run_ok()
        manifest = outputs["manifest"]
        self.assertEqual(manifest["rows"], {"train": 11200, "validation": 1400, "test": 1400})
        self.assertEqual(len(manifest["labels"]), 14)
        self.assertEqual(manifest["labels"]["Company"], {"train": 800, "validation": 100, "test": 100})
        self.assertEqual(manifest["normalization_version"], preprocess_normalization.NORMALIZATION_VERSION)
        self.assert_invariant(manifest)


if __name__ == "__main__":
    unittest.main()
