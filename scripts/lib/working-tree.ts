/**
 * A throwaway copy of the working tree, as a fresh clone with `npm ci` done would be: tracked and
 * untracked files, none of the git-ignored ones (no packages, no .local), node_modules linked to this
 * checkout's. For benchmarks and tests that must not touch this checkout's packages or state.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SERVICE_NAMES } from '../../local-stack/src/deploy/templates';

export function copyWorkingTree(root: string, prefix = 'working-tree-'): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  for (const file of listing.toString('utf8').split('\0')) {
    // Files deleted in the working tree are still in the index.
    if (file === '' || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(root, file), join(copy, file));
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** Back to a fresh checkout's state: no packages, no esbuild work folders, no .local. */
export function resetCopy(copy: string): void {
  rmSync(join(copy, '.local'), { recursive: true, force: true });
  rmSync(join(copy, '.serverless'), { recursive: true, force: true });
  for (const service of SERVICE_NAMES) {
    for (const generated of ['.serverless', '.esbuild']) rmSync(join(copy, 'services', service, generated), { recursive: true, force: true });
  }
}
