"""Labels: how each source's raw labels become the run's label names (glue_scripts/README.md, Labels).

Every data file the ingestion service keeps under labeled/ has a sidecar, `<data key>.classes.json`, holding the
class names of the drop that brought it (its classes.txt, or none): a numeric label is named by THAT list, and a
file's names never change when other drops bring other lists. Files without a sidecar (a folder given to the
script by hand, or a corpus kept before sidecars existed) are named the earlier way: by --classes_uri, else by the
nearest classes.txt in their folder or a parent folder of the input, numbers without a name kept as they are.
"""
from __future__ import annotations

import json
import re

LABEL_PREFIX = "__label__"
CLASSES_FILE_NAME = "classes.txt"
SIDECAR_SUFFIX = ".classes.json"
# A classes.txt as the ingestion service keeps it: labeled/<folder>/classes.<dropped at>.<etag 12>.txt. Never data.
KEPT_CLASS_LIST_RE = re.compile(r"^classes\.\d{8}T\d{6}Z\.[0-9a-f]{12}\.txt$")

MISSING = -1
UNMAPPED = -2

_WHITESPACE_RE = re.compile(r"\s+")


def is_class_list(base_name):
    """True for a classes.txt, as dropped or as kept under labeled/: a list of names, never data."""
    return base_name == CLASSES_FILE_NAME or KEPT_CLASS_LIST_RE.match(base_name) is not None


def parse_classes(data):
    """classes.txt: line N (from 1) names label N. Blank lines leave their number unmapped."""
    text = data.decode("utf-8-sig", "replace")
    names = {}
    for number, line in enumerate(text.splitlines(), 1):
        name = line.strip()
        if name:
            names[str(number)] = name
    return names


def _strip_prefix(raw):
    label = raw.strip()
    if label.startswith(LABEL_PREFIX):
        label = label[len(LABEL_PREFIX):].strip()
    return label


def _is_number(label):
    return label.isdigit() and label.isascii()


def _fasttext_safe(name):
    return _WHITESPACE_RE.sub("_", name.strip())


def sanitize_label(raw, class_names):
    """The fastText-safe label for a raw label (str), or "" when there is none (numbers without a name kept)."""
    label = _strip_prefix(raw)
    if _is_number(label):
        label = class_names.get(str(int(label)), label)
    return _fasttext_safe(label)


class LabelMapping(object):
    """How one source's labels are named.

    kind: "drop" (the sidecar's list: a number must be one of its lines, a name one of its names; no list means
    names only), "explicit" (--classes_uri), "folder" (a classes.txt found beside the file or above it) or "none"
    (numbers kept as they are). uri: where the names come from.
    """

    def __init__(self, kind, class_names, uri):
        self.kind = kind
        self.class_names = class_names if class_names is not None else {}
        self.has_list = class_names is not None
        self.uri = uri
        self.strict = kind == "drop"
        self._known = set(_fasttext_safe(name) for name in self.class_names.values())

    def to_manifest(self):
        entry = {"kind": self.kind, "names": len(self.class_names)}
        if self.uri:
            entry["uri"] = self.uri
        return entry

    def name_of(self, raw):
        """(name, None), or (None, why the label cannot be used) for a label the drop's list does not name."""
        label = _strip_prefix(raw)
        if _is_number(label):
            name = self.class_names.get(str(int(label)))
            if name is not None:
                return _fasttext_safe(name), None
            if not self.strict:
                return _fasttext_safe(label), None
            if not self.has_list:
                return None, "numeric label %s, but the drop came without a classes.txt naming it" % label
            return None, "label %s is not named by the drop's classes.txt (%d names)" % (label, len(self.class_names))
        name = _fasttext_safe(label)
        if self.strict and self.has_list and name and name not in self._known:
            return None, "label %r is not one of the names in the drop's classes.txt" % label
        return name, None


def mapping_from_sidecar(data, uri):
    """The mapping a sidecar records: {"classes": [name or null, ...] or null, "classesUri": ..., ...}."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError("unreadable class-name sidecar %s: %s" % (uri, error))
    if not isinstance(document, dict) or "classes" not in document:
        raise ValueError("class-name sidecar %s has no \"classes\"" % uri)
    classes = document["classes"]
    if classes is None:
        return LabelMapping("drop", None, None)
    if not isinstance(classes, list) or not all(name is None or isinstance(name, str) for name in classes):
        raise ValueError("class-name sidecar %s: \"classes\" is not a list of names" % uri)
    names = {str(index): name.strip() for index, name in enumerate(classes, 1) if name and name.strip()}
    return LabelMapping("drop", names, document.get("classesUri"))


class Labels(object):
    """The run's label names (first-seen order); ids index `names` and `line_prefixes`.

    A line prefix is what follows the digest in a staged line: ` __label__<name> `.
    """

    def __init__(self):
        self._ids_by_name = {}
        self.names = []
        self.line_prefixes = []

    def id_of(self, name):
        label_id = self._ids_by_name.get(name)
        if label_id is None:
            label_id = len(self.names)
            self._ids_by_name[name] = label_id
            self.names.append(name)
            self.line_prefixes.append((" %s%s " % (LABEL_PREFIX, name)).encode("utf-8"))
        return label_id


class LabelResolver(object):
    """Raw labels of one source -> label ids, MISSING (no label) or UNMAPPED (a label its mapping does not name;
    `problems` says why)."""

    def __init__(self, labels, mapping):
        self._labels = labels
        self._mapping = mapping
        self._ids_by_raw = {}
        self.problems = {}

    def resolve_all(self, raws):
        """The ids of a list of raw labels, resolving the ones not seen before."""
        label_ids = list(map(self._ids_by_raw.get, raws))
        if None in label_ids:
            label_ids = [self.resolve(raw) if label_id is None else label_id
                         for raw, label_id in zip(raws, label_ids)]
        return label_ids

    def resolve(self, raw):
        """The id of a raw label (bytes, str or None)."""
        label_id = self._ids_by_raw.get(raw)
        if label_id is None:
            label_id = self._resolve_new(raw)
            self._ids_by_raw[raw] = label_id
        return label_id

    def _resolve_new(self, raw):
        if raw is None:
            return MISSING
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        name, problem = self._mapping.name_of(text)
        if problem is not None:
            self.problems[raw] = problem
            return UNMAPPED
        if not name:
            return MISSING
        return self._labels.id_of(name)
