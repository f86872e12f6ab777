/** The one temporary-directory helper of the tests and benchmarks. */
import { mkdtempSync, rmSync } from 'node:fs';
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
