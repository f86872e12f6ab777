/**
 * Test support: the real AWS CLI v2 (Debian's /usr/bin/aws) against a local server. Every call is
 * isolated from the developer's own AWS setup (HOME, config and credentials files of its own) and
 * passes `--endpoint-url` as well as AWS_ENDPOINT_URL: CLI releases before 2.13 (Debian 12 ships 2.9)
 * ignore the environment variable. Tests using it are skipped when the CLI is not installed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const AWS_CLI = '/usr/bin/aws';
export const cliInstalled = existsSync(AWS_CLI);

/** The AWS CLI a user would run: `$AWS_CLI`, else the first `aws` on PATH (v1 or v2); undefined if none. */
export function findAwsCli(): string | undefined {
  if (process.env.AWS_CLI) return process.env.AWS_CLI;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, 'aws'), constants.X_OK);
      return join(dir, 'aws');
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** `describe` when /usr/bin/aws is installed, else `describe.skip` with a warning saying why. */
export function describeWithCli(name: string, body: () => void): void {
  if (!cliInstalled) console.warn(`Skipping "${name}": ${AWS_CLI} is not installed (Debian package awscli).`);
  (cliInstalled ? describe : describe.skip)(name, body);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class AwsCli {
  /**
   * @param endpoint the server's URL (read at each call: a restarted server may listen elsewhere)
   * @param home a scratch directory, the CLI's HOME (it keeps nothing there that a test reads)
   * @param cli the CLI's path (default Debian's v2)
   */
  constructor(
    private readonly endpoint: () => string,
    private readonly home: string,
    private readonly timeoutMs = 60_000,
    private readonly cli = AWS_CLI,
  ) {}

  /** Runs `aws <args>` and resolves with what it printed, whatever its exit code. */
  run(...args: string[]): Promise<CliResult> {
    const url = this.endpoint();
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      LANG: 'C.UTF-8',
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(this.home, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.home, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
    return new Promise((resolve) => {
      execFile(
        this.cli,
        ['--endpoint-url', url, '--output', 'json', ...args],
        { env, cwd: this.home, timeout: this.timeoutMs, maxBuffer: 1 << 26 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  /** Runs `aws <args>`, failing with its stderr unless it exits 0; resolves with its stdout. */
  async ok(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  /** `ok`, with stdout parsed as JSON (what `--output json` prints). */
  async json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    const stdout = await this.ok(...args);
    try {
      return JSON.parse(stdout) as T;
    } catch {
      throw new Error(`aws ${args.join(' ')} printed no JSON: ${JSON.stringify(stdout.slice(0, 500))}`);
    }
  }

  /** Runs `aws <args>`, failing unless it exits non-zero; resolves with what it printed. */
  async fails(...args: string[]): Promise<CliResult> {
    const result = await this.run(...args);
    if (result.code === 0) throw new Error(`aws ${args.join(' ')} succeeded, expected an error; it printed ${result.stdout}`);
    return result;
  }
}
