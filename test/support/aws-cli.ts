/**
 * Test support: a real AWS CLI against a local server, whichever the machine has. `AWS_CLI` (a path or a
 * command name) when set, else `aws` on PATH: AWS CLI v1 (pip's `awscli`; with a recent botocore SQS
 * speaks the JSON protocol) or v2 (Debian 12's 2.9 speaks the query protocol to SQS). Both are real
 * clients users have; tests that see a difference between them ask `awsCli()?.major`.
 *
 * Every call is isolated from the developer's own AWS setup (HOME, config and credentials files of its
 * own) and passes `--endpoint-url`: v1 ignores AWS_ENDPOINT_URL for some services, v2 before 2.13 for
 * all of them. With no CLI at all, the suites are skipped, and the reason reaches jest's summary (the
 * global setup hands it to the notices reporter).
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface AwsCliInfo {
  /** What is executed: AWS_CLI as given, or the `aws` found on PATH. */
  command: string;
  /** `aws --version`'s first word, e.g. `aws-cli/1.45.11`. */
  version: string;
  major: number;
  minor: number;
}

export type AwsCliLookup = { found: AwsCliInfo } | { missing: string };

/** How to get a CLI, for the line that says why the CLI tests were skipped. */
export const HOW_TO_GET_AN_AWS_CLI = 'install one (pip install awscli, or Debian: apt-get install awscli) or set AWS_CLI=/path/to/aws';

/** Finds the AWS CLI the tests use and asks it its version (once per process). */
export function lookUpAwsCli(env: NodeJS.ProcessEnv = process.env): AwsCliLookup {
  const configured = env.AWS_CLI;
  const command = configured || onPath('aws', env.PATH ?? '');
  if (!command) return { missing: `AWS_CLI is not set and there is no aws on PATH; ${HOW_TO_GET_AN_AWS_CLI}` };
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8', env: { ...env, AWS_PAGER: '' }, timeout: 60_000 });
  const printed = `${probe.stdout ?? ''}${probe.stderr ?? ''}`.trim();
  const match = /aws-cli\/(\d+)\.(\d+)\.\d+/.exec(printed);
  if (probe.error || probe.status !== 0 || !match) {
    const why = probe.error?.message ?? (printed || `exit status ${probe.status}`);
    return { missing: `${configured ? `AWS_CLI=${configured}` : command} does not run as an AWS CLI (${why}); ${HOW_TO_GET_AN_AWS_CLI}` };
  }
  return { found: { command, version: match[0], major: Number(match[1]), minor: Number(match[2]) } };
}

let lookup: AwsCliLookup | undefined;

/** The AWS CLI of this run, or undefined when the machine has none. */
export function awsCli(): AwsCliInfo | undefined {
  lookup ??= lookUpAwsCli();
  return 'found' in lookup ? lookup.found : undefined;
}

/** `describe` when an AWS CLI is there, else `describe.skip` (the reason is in jest's summary). */
export function describeWithCli(name: string, body: () => void): void {
  (awsCli() ? describe : describe.skip)(name, body);
}

/** `it` when an AWS CLI is there, else `it.skip` (the reason is in jest's summary). */
export function itWithCli(name: string, body: () => Promise<void>, timeoutMs?: number): void {
  (awsCli() ? it : it.skip)(name, body, timeoutMs);
}

function onPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A timestamp as the CLI prints it, in ms: v2 prints ISO 8601 (its default cli_timestamp_format), v1
 * prints what the service sent (epoch seconds from JSON-protocol services).
 */
export function printedTimestampMs(printed: string | number | undefined): number {
  if (typeof printed === 'number') return printed * 1000;
  if (printed !== undefined && /^\d+(\.\d+)?$/.test(printed)) return Number(printed) * 1000;
  return printed === undefined ? Number.NaN : Date.parse(printed);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class AwsCli {
  readonly info: AwsCliInfo;

  /**
   * @param endpoint the server's URL (read at each call: a restarted server may listen elsewhere)
   * @param home a scratch directory, the CLI's HOME (it keeps nothing there that a test reads)
   */
  constructor(
    private readonly endpoint: () => string,
    private readonly home: string,
    private readonly timeoutMs = 60_000,
  ) {
    const info = awsCli();
    if (!info) throw new Error('AwsCli: no AWS CLI on this machine (use describeWithCli)');
    this.info = info;
  }

  /** The exit status of a CLI whose request failed: 254 for v2, 255 for v1. */
  get serviceErrorStatus(): number {
    return this.info.major >= 2 ? 254 : 255;
  }

  /**
   * A blob parameter given inline as base64 text: v2 decodes it (its default cli_binary_format is base64),
   * v1 sends the text's own bytes. These are the bytes the service receives.
   */
  bytesSentFor(base64: string): Buffer {
    return this.info.major >= 2 ? Buffer.from(base64, 'base64') : Buffer.from(base64, 'utf8');
  }

  /** Runs `aws <args>` and resolves with what it printed, whatever its exit code. */
  run(...args: string[]): Promise<CliResult> {
    return this.runAs({ accessKeyId: 'test', secretAccessKey: 'test' }, ...args);
  }

  /** `run` signed with other credentials (a role's temporary ones, from `sts assume-role`). */
  runAs(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, ...args: string[]): Promise<CliResult> {
    const url = this.endpoint();
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.home,
      LANG: 'C.UTF-8',
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...(credentials.sessionToken !== undefined && { AWS_SESSION_TOKEN: credentials.sessionToken }),
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(this.home, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(this.home, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
    return new Promise((resolve) => {
      execFile(
        this.info.command,
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
