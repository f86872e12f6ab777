import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand, helpText, interpretCommandLine } from './cli';

const ROOT = path.resolve(__dirname, '..', '..');

const COMMAND = defineCommand({
  usage: 'npm run example -- [options] <file> [<file> ...]',
  summary: 'Reads files.',
  arguments: { name: 'file', description: 'a file to read', min: 1, max: 3 },
  options: {
    k: { type: 'string', value: 'n', default: '1', description: 'how many' },
    json: { type: 'boolean', default: false, description: 'print JSON' },
    tag: { type: 'string', short: 't', multiple: true, description: 'a tag' },
  },
});

describe('interpretCommandLine', () => {
  it('parses options and arguments with their defaults', () => {
    expect(interpretCommandLine(COMMAND, ['a.csv', '--k', '3', '-t', 'x', '--tag', 'y'])).toEqual({
      kind: 'parsed',
      parsed: { values: { k: '3', json: false, tag: ['x', 'y'] }, positionals: ['a.csv'] },
    });
    expect(interpretCommandLine(COMMAND, ['a.csv'])).toMatchObject({ kind: 'parsed', parsed: { values: { k: '1', json: false } } });
  });

  it('answers --help and -h before anything else, but not after --', () => {
    expect(interpretCommandLine(COMMAND, ['--help'])).toEqual({ kind: 'help' });
    expect(interpretCommandLine(COMMAND, ['--bogus', '-h'])).toEqual({ kind: 'help' });
    expect(interpretCommandLine(COMMAND, ['--', '--help'])).toMatchObject({ kind: 'parsed', parsed: { positionals: ['--help'] } });
  });

  it('refuses unknown options, missing values and the wrong number of arguments', () => {
    expect(interpretCommandLine(COMMAND, ['a', '--bogus'])).toEqual({ kind: 'error', message: expect.stringMatching(/^Unknown option '--bogus'/) });
    expect(interpretCommandLine(COMMAND, ['a', '--k'])).toEqual({ kind: 'error', message: expect.stringMatching(/'--k <value>' argument missing/) });
    expect(interpretCommandLine(COMMAND, ['a', '--json=yes'])).toMatchObject({ kind: 'error' });
    expect(interpretCommandLine(COMMAND, [])).toEqual({ kind: 'error', message: 'Expected at least 1 <file>, got 0' });
    expect(interpretCommandLine(COMMAND, ['a', 'b', 'c', 'd'])).toEqual({ kind: 'error', message: 'Expected at most 3 <file>, got 4' });
    const noArguments = defineCommand({ usage: 'x', summary: 'y', options: {} });
    expect(interpretCommandLine(noArguments, ['stray'])).toEqual({ kind: 'error', message: "Unexpected argument 'stray': this command takes options only" });
  });

  it('keeps --help for itself', () => {
    expect(() => defineCommand({ usage: 'x', summary: 'y', options: { help: { type: 'boolean', description: 'mine' } } })).toThrow(/--help/);
  });
});

describe('helpText', () => {
  it('shows the usage, the summary, the arguments and every option with its default', () => {
    expect(helpText(COMMAND)).toBe(
      [
        'usage: npm run example -- [options] <file> [<file> ...]',
        '',
        'Reads files.',
        '',
        'Arguments:',
        '  <file>             a file to read',
        '',
        'Options:',
        '  --k <n>            how many (default 1)',
        '  --json             print JSON',
        '  -t, --tag <value>  a tag (repeatable)',
        '  -h, --help         show this help',
        '',
      ].join('\n'),
    );
  });
});

/** The TypeScript commands: what package.json's scripts run with tsx, and the benchmarks. */
function commandFiles(): string[] {
  const scripts = Object.values((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
  const run = scripts.flatMap((script) => [...script.matchAll(/(?:tsx|--import tsx) (\S+\.ts)/g)].map((match) => match[1]!));
  const bench = readdirSync(path.join(ROOT, 'bench')).filter((file) => file.endsWith('.ts')).map((file) => `bench/${file}`);
  return [...new Set([...run, ...bench])].sort();
}

describe('every command', () => {
  it.each(commandFiles())('%s reads its arguments with scripts/lib/cli.ts', (file) => {
    expect(readFileSync(path.join(ROOT, file), 'utf8')).toMatch(/parseCommandLine\(COMMAND/);
  });

  const run = (file: string, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, file), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('answers --help with its usage and exit status 0', () => {
    const help = run('scripts/predict.ts', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run predict -- \[options\] <text>/);
    expect(help.stdout).toContain('--raw');
  }, 60_000);

  it('refuses an unknown option or a bad value with the usage on stderr and exit status 2', () => {
    const unknown = run('scripts/predict.ts', '--bogus', 'some text');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error: Unknown option '--bogus'/);
    expect(unknown.stderr).toContain('usage: npm run predict');
    const bad = run('bench/deploy.ts', '--runs', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: --runs must be a whole number of at least 1, not "0"/);
  }, 60_000);
});
