import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  isTempName,
  removeStaleTempFiles,
  removeStaleTempFilesSync,
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomic,
  writeJsonAtomicSync,
} from './persistence';

const ROOT = path.resolve(__dirname, '../../..');
const PERSISTENCE = path.join(__dirname, 'persistence.ts');
const PAYLOAD_BYTES = 2 << 20;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'persistence-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `body` in a child process that has `writeJsonAtomicSync`, `writeFileAtomicSync`, `target`
 * and `signal(line)` in scope, and SIGKILLs it once it printed `kill-after` (or after `killAfterMs`).
 */
async function killedWriter(body: string, kill: { line?: string; afterMs?: number }): Promise<void> {
  const script = path.join(dir, 'writer.ts');
  writeFileSync(
    script,
    `import { writeFileSync as fsWrite } from 'node:fs';
     import { writeFileAtomicSync, writeJsonAtomicSync } from ${JSON.stringify(PERSISTENCE)};
     const target = process.argv[2]!;
     const signal = (line: string): void => fsWrite(1, line + '\\n');
     void writeFileAtomicSync; void writeJsonAtomicSync;
     ${body}`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(dir, 'state', 'state.json')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!output.includes('ready\n')) return;
      if (kill.line === undefined || output.includes(`${kill.line}\n`)) {
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, kill.afterMs ?? 0);
      }
    });
    child.once('exit', () => reject(new Error(`the writer exited before it was killed (output: ${output})`)));
  });
  expect(await exited).toBe('SIGKILL');
}

function readState(): { version: number; payload: string } {
  return JSON.parse(readFileSync(path.join(dir, 'state', 'state.json'), 'utf8')) as { version: number; payload: string };
}

describe('atomic writes', () => {
  it('write the whole content, sync and async, through a temporary name they leave no trace of', async () => {
    const target = path.join(dir, 'nested', 'file.json');
    writeJsonAtomicSync(target, { a: 1 });
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ a: 1 });
    await writeJsonAtomic(target, { a: 2 }, { fsync: true });
    expect(readFileSync(target, 'utf8')).toBe('{\n  "a": 2\n}\n');
    writeFileAtomicSync(target, ['{"a":', Buffer.from('3}')], { fsync: true });
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ a: 3 });
    await writeFileAtomic(target, Buffer.from('{"a":4}'));
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ a: 4 });
    expect(readdirSync(path.dirname(target))).toEqual(['file.json']);
  });

  it('name temporary files so that scans for the target extension skip them and the clean-up finds them', () => {
    const temp = tempPathFor(path.join(dir, 'queues.json'));
    expect(path.dirname(temp)).toBe(dir);
    expect(isTempName(path.basename(temp))).toBe(true);
    expect(temp.endsWith('.json')).toBe(false);
    expect(isTempName('queues.json')).toBe(false);
  });

  it('remove their temporary file when the rename fails, and keep the target', async () => {
    const target = path.join(dir, 'occupied');
    mkdirSync(path.join(target, 'child'), { recursive: true });
    expect(() => writeJsonAtomicSync(target, { lost: true })).toThrow();
    await expect(writeJsonAtomic(target, { lost: true })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
    expect(readdirSync(target)).toEqual(['child']);
  });

  it('leave the previous content when the process is killed in the middle of a write, and the clean-up removes the torn file', async () => {
    writeJsonAtomicSync(path.join(dir, 'state', 'state.json'), { version: 0, payload: 'x'.repeat(PAYLOAD_BYTES) });
    // The writer stops (blocked, as a slow disk would) after half of version 1 is written, and is killed there.
    await killedWriter(
      `function* halves(): Generator<string> {
         const text = JSON.stringify({ version: 1, payload: 'y'.repeat(${PAYLOAD_BYTES}) });
         yield text.slice(0, text.length >> 1);
         signal('half-written');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
         yield text.slice(text.length >> 1);
       }
       signal('ready');
       writeFileAtomicSync(target, halves());`,
      { line: 'half-written' },
    );
    const stateDir = path.join(dir, 'state');
    const torn = readdirSync(stateDir).filter(isTempName);
    expect(torn).toHaveLength(1);
    expect(readFileSync(path.join(stateDir, torn[0]!), 'utf8').length).toBeGreaterThan(PAYLOAD_BYTES / 4);
    expect(readState()).toEqual({ version: 0, payload: 'x'.repeat(PAYLOAD_BYTES) });
    expect(removeStaleTempFilesSync(stateDir)).toBe(1);
    expect(readdirSync(stateDir)).toEqual(['state.json']);
  });

  it('never leave a torn target however the kill falls between writes', async () => {
    for (const afterMs of [5, 40, 150]) {
      writeJsonAtomicSync(path.join(dir, 'state', 'state.json'), { version: 0, payload: 'v0' });
      await killedWriter(
        `signal('ready');
         for (let version = 1; ; version++) writeJsonAtomicSync(target, { version, payload: 'v'.repeat(${PAYLOAD_BYTES}) });`,
        { afterMs },
      );
      const state = readState();
      expect(state.payload).toBe(state.version === 0 ? 'v0' : 'v'.repeat(PAYLOAD_BYTES));
      await removeStaleTempFiles(path.join(dir, 'state'));
      expect(readdirSync(path.join(dir, 'state'))).toEqual(['state.json']);
    }
  });
});
