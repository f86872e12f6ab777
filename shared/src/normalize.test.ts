import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NORMALIZATION_VERSION, normalizeText, normalizeTitleContent } from './normalize';
import { seededRandom } from './random';

interface VectorCase {
  name: string;
  text?: string;
  title?: string;
  content?: string;
  expected: string;
}

interface Vectors {
  version: string;
  cases: VectorCase[];
}

const GLUE_SCRIPTS = join(__dirname, '..', '..', 'glue_scripts');
const vectors = JSON.parse(readFileSync(join(GLUE_SCRIPTS, 'normalization_vectors.json'), 'utf8')) as Vectors;

function normalizeCase(vector: VectorCase): string {
  if (vector.text !== undefined) return normalizeText(vector.text);
  return normalizeTitleContent(vector.title ?? '', vector.content ?? '');
}

/** Texts built from the characters where two implementations could plausibly disagree. */
function trickyTexts(count: number): string[] {
  const pieces = [
    'A', 'z', 'Q', '7', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u200b', '\ufeff', '\u0085', '\u0000',
    '.', ',', "'", '"', '-', '_', '__label__', '(', ')', '\\', '\u2019', '\u201c', '\u2014', '\u2026', '\u00ab',
    '\u00c9', '\u00df', '\u1e9e', '\u0130', '\u03a3', '\u03a3\u03a3', '\u0394', '\u0416', '\u0531', '\u212a',
    '\u2126', '\u216b', '\u24b6', '\uff21', '\u13a0', '\u10a0', '\u1c90', '\u2c00', '\ua7c0', '\ud801\udc00',
    '\ud83d\ude95', '\u6771\u4eac', '\u0301', '\u00b7', '\u203d', 'word', 'Caf\u00e9',
  ];
  const random = seededRandom(20240601);
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(random() * 12);
    return Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)] ?? '').join('');
  });
}

/** The Python implementation's output for each text, from one python3 process. */
function normalizeWithPython(texts: string[]): string[] {
  const program = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(GLUE_SCRIPTS)})`,
    'import preprocess_normalization',
    'texts = json.loads(sys.stdin.read())',
    'sys.stdout.write(json.dumps([preprocess_normalization.normalize_text(t) for t in texts]))',
  ].join('\n');
  const output = execFileSync('python3', ['-c', program], { input: JSON.stringify(texts), encoding: 'utf8' });
  return JSON.parse(output) as string[];
}

describe('normalizeText', () => {
  it('has the version of the shared vectors', () => {
    expect(NORMALIZATION_VERSION).toBe(vectors.version);
    expect(vectors.cases.length).toBeGreaterThan(25);
  });

  it.each(vectors.cases.map((vector) => [vector.name, vector] as const))('vector: %s', (_name, vector) => {
    expect(normalizeCase(vector)).toBe(vector.expected);
  });

  it('is idempotent', () => {
    for (const vector of vectors.cases) {
      expect(normalizeText(vector.expected)).toBe(vector.expected);
    }
  });

  it('keeps astral characters whole', () => {
    expect(normalizeText('Deseret \ud801\udc00 taxi \ud83d\ude95!')).toBe('deseret \ud801\udc00 taxi \ud83d\ude95 !');
  });

  it('agrees with the Python implementation on random tricky texts', () => {
    const texts = trickyTexts(2000);
    const fromPython = normalizeWithPython(texts);
    const mismatches = texts
      .map((text, index) => ({ text, typescript: normalizeText(text), python: fromPython[index] }))
      .filter((result) => result.typescript !== result.python);
    expect(mismatches).toEqual([]);
  });
});

describe('normalizeTitleContent', () => {
  it('joins title and content with one space before normalising', () => {
    expect(normalizeTitleContent('Hope Motor Company', 'A Japanese car company.')).toBe(
      'hope motor company a japanese car company .',
    );
    expect(normalizeTitleContent('', '  Only content ')).toBe('only content');
  });
});
