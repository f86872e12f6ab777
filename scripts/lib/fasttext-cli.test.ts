import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { temporaryDirectory, type TemporaryDirectory } from '../../test/support/temporary-directory';
import { buildFastTextCli, cliFlagsFor, parseTestLabelReport, parseTestReport, resolveFastTextCli } from './fasttext-cli';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

describe('the fastText CLI reference', () => {
  let temp: TemporaryDirectory;
  let dir: string;
  let sources: string;
  beforeEach(() => {
    temp = temporaryDirectory('fasttext-cli');
    dir = temp.dir;
    // A stand-in for node_modules/fasttext/fastText/src: a main.cc that says who it is.
    sources = path.join(dir, 'src');
    mkdirSync(sources);
    writeFileSync(path.join(sources, 'main.cc'), '#include <iostream>\nint main() { std::cout << "P@1\\t0.5" << std::endl; return 0; }\n');
  });
  afterEach(() => temp.remove());
  const none = path.join('/nonexistent', 'fasttext');

  it('takes FASTTEXT_CLI first, and refuses one that is not executable', () => {
    const given = path.join(dir, 'my-fasttext');
    writeFileSync(given, '#!/bin/sh\n');
    expect(() => resolveFastTextCli({ env: { FASTTEXT_CLI: given }, sourceDir: sources, cacheRoot: dir, debianPath: none })).toThrow(`FASTTEXT_CLI=${given} is not an executable file`);
    chmodSync(given, 0o755);
    expect(resolveFastTextCli({ env: { FASTTEXT_CLI: given }, sourceDir: sources, cacheRoot: dir, debianPath: none })).toEqual({ path: given, origin: 'FASTTEXT_CLI' });
  });

  it("takes Debian's /usr/bin/fasttext where installed", () => {
    const debian = path.join(dir, 'usr-bin-fasttext');
    writeFileSync(debian, '#!/bin/sh\n', { mode: 0o755 });
    expect(resolveFastTextCli({ env: {}, sourceDir: sources, cacheRoot: dir, debianPath: debian })).toEqual({ path: debian, origin: 'debian' });
  });

  it('else builds one from the sources once, into the cache, and reuses it', () => {
    const cache = path.join(dir, 'cache');
    const built = resolveFastTextCli({ env: {}, sourceDir: sources, cacheRoot: cache, debianPath: none });
    expect(built).toMatchObject({ origin: 'built', builtInSeconds: expect.any(Number) });
    expect(path.dirname(path.dirname(built.path))).toBe(cache);
    expect(execFileSync(built.path).toString()).toBe('P@1\t0.5\n');
    // Built already: the same binary, nothing compiled, no partial file left behind.
    expect(resolveFastTextCli({ env: {}, sourceDir: sources, cacheRoot: cache, debianPath: none })).toEqual({ path: built.path, origin: 'built' });
    expect(readdirSync(path.dirname(built.path))).toEqual(['fasttext']);
    // Changed sources are another build.
    writeFileSync(path.join(sources, 'main.cc'), '#include <iostream>\nint main() { std::cout << "changed" << std::endl; return 0; }\n');
    const rebuilt = buildFastTextCli(sources, cache);
    expect(rebuilt.path).not.toBe(built.path);
    expect(execFileSync(rebuilt.path).toString()).toBe('changed\n');
  });

  it('survives builds running at the same time (each compiles to a file of its own, then renames it)', async () => {
    const cache = path.join(dir, 'cache');
    const script = `const { buildFastTextCli } = require(${JSON.stringify(path.join(__dirname, 'fasttext-cli.ts'))}); console.log(buildFastTextCli(process.argv[1], process.argv[2]).path);`;
    const builds = await Promise.all(
      [1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', '-e', script, sources, cache], { cwd: ROOT })),
    );
    const paths = new Set(builds.map((build) => build.stdout.trim()));
    expect(paths.size).toBe(1);
    const [binary] = [...paths];
    expect(execFileSync(binary!).toString()).toBe('P@1\t0.5\n');
    expect(readdirSync(path.dirname(binary!))).toEqual(['fasttext']);
  }, 60_000);

  it('says what to install when there is no compiler', () => {
    expect(() => buildFastTextCli(sources, path.join(dir, 'cache'), path.join(dir, 'no-such-g++'))).toThrow(/Install g\+\+ .* or set FASTTEXT_CLI/);
  });

  it("reads `fasttext test`'s precision at 1, and maps BlazingText hyperparameters to CLI flags", () => {
    expect(parseTestReport('N\t2000\nP@1\t0.955\nR@1\t0.955\n')).toBe(0.955);
    expect(() => parseTestReport('nothing')).toThrow('fasttext test printed no P@1');
    expect(cliFlagsFor({ epochs: '10', learning_rate: '0.5', vector_dim: '10' })).toEqual([
      '-epoch', '10', '-lr', '0.5', '-wordNgrams', '2', '-dim', '10', '-minCount', '5', '-bucket', '2000000', '-minn', '0', '-maxn', '0', '-loss', 'softmax',
    ]);
  });
});

describe('parseTestLabelReport', () => {
  it('reads each label line of fasttext test-label, dashes as undefined', () => {
    const report = 'F1-Score : 0.973262  Precision : 0.968085  Recall : 0.978495   __label__Album\nF1-Score : 2.000000  Precision : 1.000000  Recall : --------   __label__Plant\nN\t1400\nP@1\t0.951\nR@1\t0.951\n';
    expect([...parseTestLabelReport(report)]).toEqual([
      ['Album', { f1: 0.973262, precision: 0.968085, recall: 0.978495 }],
      ['Plant', { f1: 2, precision: 1, recall: undefined }],
    ]);
  });
});
