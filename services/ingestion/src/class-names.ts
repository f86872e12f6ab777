/**
 * classes.txt: line N names label N (glue_scripts/README.md, Labels). What a list must be to name a drop's labels,
 * and whether a drop's labels are the ones its list claims.
 */

/** A list of class names larger than this is not one (DBpedia's has 14 lines). */
export const MAX_CLASSES_BYTES = 1024 * 1024;

const LABEL_PREFIX = '__label__';

/** Line N (from 1) names label N; a blank line leaves its number unnamed (null). */
export type ClassNames = Array<string | null>;

export type ClassNamesRead = { ok: true; names: ClassNames } | { ok: false; reason: string; line?: number };

/** The label as the Glue job sees it: trimmed, without a `__label__` prefix. */
export function bareLabel(raw: string): string {
  const label = raw.trim();
  return label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length).trim() : label;
}

export const isNumericLabel = (raw: string): boolean => /^[0-9]+$/.test(bareLabel(raw));

/** How fastText spells a name (whitespace runs become `_`), as the Glue job writes it. */
const fastTextName = (name: string): string => name.trim().replace(/\s+/g, '_');

/**
 * Reads a classes.txt. Refused: one without a name, two lines naming the same class, a name that is
 * another label's number (it would rename label N to label M) or that holds `__label__`.
 */
export function parseClassNames(text: string): ClassNamesRead {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const names: ClassNames = lines.map((line) => (line.trim() === '' ? null : line.trim()));
  if (names.every((name) => name === null)) return { ok: false, reason: 'classes.txt names no class.' };
  const firstLine = new Map<string, number>();
  for (const [index, name] of names.entries()) {
    if (name === null) continue;
    const line = index + 1;
    if (name.includes(LABEL_PREFIX)) return { ok: false, line, reason: `Line ${line}: a class name may not contain "${LABEL_PREFIX}".` };
    if (/^[0-9]+$/.test(name) && Number(name) !== line) {
      return { ok: false, line, reason: `Line ${line} names label ${line} "${name}", which is the number of another label.` };
    }
    const spelled = fastTextName(name);
    const earlier = firstLine.get(spelled);
    if (earlier !== undefined) return { ok: false, line, reason: `Lines ${earlier} and ${line} both name the class "${name}".` };
    firstLine.set(spelled, line);
  }
  return { ok: true, names };
}

export interface SampleLabel {
  line: number;
  label: string;
}

/** Why the labels of a drop's first lines are not the ones its classes.txt claims, or undefined when they are. */
export function labelConflict(labels: readonly SampleLabel[], names: ClassNames, describedList: string): string | undefined {
  const known = new Set(names.flatMap((name) => (name === null ? [] : [fastTextName(name)])));
  for (const { line, label } of labels) {
    const bare = bareLabel(label);
    if (isNumericLabel(bare)) {
      const number = Number(bare);
      if (number < 1 || number > names.length || names[number - 1] === null) {
        return `Line ${line}: label ${bare}, but ${describedList} names labels ${namedNumbers(names)}.`;
      }
    } else if (!known.has(fastTextName(bare))) {
      return `Line ${line}: label "${bare}" is not one of the names in ${describedList} (${[...known].slice(0, 10).join(', ')}${known.size > 10 ? ', ...' : ''}).`;
    }
  }
  return undefined;
}

function namedNumbers(names: ClassNames): string {
  const named = names.flatMap((name, index) => (name === null ? [] : [index + 1]));
  return named.length === names.length ? `1 to ${names.length}` : named.join(', ');
}
