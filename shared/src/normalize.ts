/**
 * Text normalisation, version 1: the TypeScript twin of `normalize_text` in glue_scripts/preprocess_normalization.py.
 *
 * BlazingText does no tokenisation of its own, so a text sent to the endpoint must be spelled exactly as the
 * training data was (train/serve skew loses accuracy silently). The rules are specified in
 * glue_scripts/NORMALIZATION.md; this module and the Python script are both tested against
 * glue_scripts/normalization_vectors.json.
 *
 * Every class below lists BMP code points only, so the regexes work on UTF-16 code units without the `u` flag
 * and astral characters (emoji, ...) pass through untouched, as in Python.
 */

export const NORMALIZATION_VERSION = '1';

/**
 * Code points lowercased, one at a time with `toLowerCase` (no context, so Σ becomes σ, never ς). Outside these
 * ranges Unicode versions disagree on case mappings, so nothing is lowercased there.
 */
const LOWERCASED = /[A-Z\u00C0-\u058F\u1E00-\u1FFF\u2100-\u218F\u24B6-\u24E9\uFF21-\uFF3A]/g;

/** Each of these becomes a token of its own: ASCII punctuation and a few typographic marks. */
const PUNCTUATION =
  /[\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E\u00A1\u00AB\u00BB\u00BF\u2010-\u2015\u2018-\u201F\u2026\u2039\u203A]/g;

/** Runs of these separate tokens and are dropped: controls, spaces, zero-width space, BOM. */
const SEPARATORS = /[\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000\uFEFF]+/;

function lowercaseOne(character: string): string {
  return character.toLowerCase();
}

/** Normalises one text: lowercase, punctuation as separate tokens, tokens joined by single spaces. */
export function normalizeText(text: string): string {
  return text
    .replace(LOWERCASED, lowercaseOne)
    .replace(PUNCTUATION, ' $& ')
    .split(SEPARATORS)
    .filter((token) => token.length > 0)
    .join(' ');
}

/** Normalises a title and a content as the Glue job does for DBpedia-shaped rows: joined by one space. */
export function normalizeTitleContent(title: string, content: string): string {
  return normalizeText(`${title} ${content}`);
}
