/** The one temporary-directory helper of the tests and benchmarks. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TemporaryDirectory {
  readonly dir: string;
  remove(): void;
}

/** A new, empty directory under the system's temp folder (`<prefix>-XXXXXX`), and how to remove it. */
export function temporaryDirectory(prefix: string): TemporaryDirectory {
  const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file and folder under `dir`, relative to it: to see what a test wrote where. */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      found.push(path.relative(dir, full));
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return found;
}

/** What is under `outer` but outside its folder `inside` (a state folder): nothing, when nothing escaped it. */
export function filesOutside(outer: string, inside: string): string[] {
  return filesUnder(outer).filter((file) => file !== inside && !file.startsWith(`${inside}${path.sep}`));
}
