"""The normalisation of the Glue job (preprocess_normalization.py) against the test vectors shared with the TypeScript client."""
import json
import os
import unittest

import preprocess_normalization

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "normalization_vectors.json"), encoding="utf-8") as handle:
    VECTORS = json.load(handle)


def normalize_case(case):
    if "text" in case:
        return preprocess_normalization.normalize_text(case["text"])
    return preprocess_normalization.normalize_title_content(case["title"], case["content"])


def case_input(case):
    return case["text"] if "text" in case else case["title"] + " " + case["content"]


class NormalizationVectorsTest(unittest.TestCase):
    def test_version_matches_the_script(self):
        self.assertEqual(VECTORS["version"], preprocess_normalization.NORMALIZATION_VERSION)

    def test_every_vector(self):
        self.assertGreater(len(VECTORS["cases"]), 25)
        for case in VECTORS["cases"]:
            with self.subTest(case["name"]):
                self.assertEqual(normalize_case(case), case["expected"])

    def test_a_batch_gives_what_each_text_gives_alone(self):
        texts = [case_input(case).encode("utf-8") for case in VECTORS["cases"]]
        batch = preprocess_normalization.normalize_batch(texts)
        self.assertEqual([text.decode("utf-8") for text in batch], [case["expected"] for case in VECTORS["cases"]])

    def test_idempotent(self):
        for case in VECTORS["cases"]:
            with self.subTest(case["name"]):
                self.assertEqual(preprocess_normalization.normalize_text(case["expected"]), case["expected"])

    def test_output_is_one_fasttext_token_line(self):
        for case in VECTORS["cases"]:
            expected = case["expected"]
            with self.subTest(case["name"]):
                self.assertNotIn("\n", expected)
                self.assertNotIn("\t", expected)
                self.assertNotIn("  ", expected)
                self.assertEqual(expected, expected.strip(" "))
                self.assertNotIn("__label__", expected)

    def test_vectors_cover_the_risky_cases(self):
        names = " ".join(case["name"] for case in VECTORS["cases"])
        for topic in ("apostrophes", "quotes", "digits", "tabs and newlines", "empty", "very long", "greek",
                      "dotted capital I", "every code point of the lowercase ranges", "every separator"):
            self.assertIn(topic, names)


if __name__ == "__main__":
    unittest.main()
