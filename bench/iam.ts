/**
 * What authentication and IAM cost (issue 11): S3 PutObject -> Lambda handler start, p50, and drop ->
 * `Model deployed` email, with IAM enforcement on and off in the same run (alternating stacks, so the
 * machine's load falls on both alike), plus the time the stack spends verifying signatures and
 * evaluating policies, measured inside the server.
 *
 *   npx tsx bench/iam.ts [--runs 2] [--samples 100] [--warmup 10]
 *
 * Each stack runs in a child process (this file with --serve <dir> <on|off>) with LOCAL_STACK_ENFORCE_IAM
 * set; signatures are verified in both modes (the stack has no switch for that, by design), so on - off
 * is the cost of policy evaluation and role credentials, and the in-server timers (Authenticator.authenticate
 * with its deferred payload check, Authorizer.authorize / authorizeServiceDelivery) give verification plus
 * evaluation directly, as a share of the drop -> email time. The S3 route is the one bench/stack.ts measures:
 * a bucket with EventBridge notifications, a rule, a probe function that appends its start time to a file.
 *
 * Writes bench/results/iam.json.
 */
import '../local-stack/src/cli/warnings';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Authenticator } from '../local-stack/src/core/authentication';
import { Authorizer } from '../local-stack/src/core/iam';
import { startLocalStack } from '../local-stack/src/stack';
import { detailTypeOfSubject } from '../shared/src/events';
import { readMailbox, type Mail } from '../scripts/lib/mail';
import { waitFor } from '../test/support/wait';
import { serveUntilSignalled, startChildServer, stopChildServer } from './lib/child-server';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import { busyMachineNote, machineInfo, median, percentile, ROOT, round, WORK_ROOT, writeSection, type Figure } from './lib/report';

const SAMPLE_DIR = resolve(ROOT, '..', 'shared', 'data', 'dbpedia_sample');
const WORK_DIR = join(WORK_ROOT, 'iam');
const REGION = 'us-east-1';
const BUCKET = 'bench-iam-routing';
const PROBE = 'bench-iam-probe';
const TARGET_DROP_TO_EMAIL_OVERHEAD = 0.05;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const COMMAND = defineCommand({
  usage: 'npx tsx bench/iam.ts [--runs 2] [--samples 100] [--warmup 10]',
  summary: 'Measures S3 -> Lambda p50 and drop -> email with IAM enforcement on and off, and the in-server cost of signature verification and policy evaluation; writes bench/results/iam.json.',
  options: {
    runs: { type: 'string', value: 'n', default: '2', description: 'stacks per mode (each: the S3 route samples, then one drop -> email)' },
    samples: { type: 'string', value: 'n', default: '100', description: 'S3 -> Lambda samples per stack' },
    warmup: { type: 'string', value: 'n', default: '10', description: 'warm-up objects before sampling' },
    serve: { type: 'string', value: 'dir', description: 'internal: be the server this benchmark measures' },
    iam: { type: 'string', value: 'on|off', description: 'internal: the served stack\'s enforcement' },
  },
});

const PROBE_SOURCE = `
const fs = require('node:fs');
exports.handler = async (event) => {
  fs.appendFileSync(process.env.OUT_FILE, JSON.stringify({ startedAt: performance.timeOrigin + performance.now(), key: event.detail.object.key }) + '\\n');
  return { ok: true };
};
`;

// ---------------------------------------------------------------------------------------------
// --serve: the stack, with timers around authentication and authorization.

interface Timer {
  calls: number;
  ms: number;
}

function timed<T extends object, K extends keyof T>(prototype: T, method: K, timer: Timer, wrapResult?: (result: unknown) => unknown): void {
  const original = prototype[method] as unknown as (...args: unknown[]) => unknown;
  (prototype as Record<K, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      const result = original.apply(this, args);
      return wrapResult ? wrapResult(result) : result;
    } finally {
      timer.calls++;
      timer.ms += performance.now() - started;
    }
  };
}

interface ServerInfo {
  endpoint: string;
  mailDir: string;
  dataBucket: string;
  probeFile: string;
  probeArn: string;
  costFile: string;
}

async function serve(localDir: string, mode: string): Promise<void> {
  process.env.LOCAL_STACK_ENFORCE_IAM = mode === 'on' ? '1' : '0';
  const verification: Timer = { calls: 0, ms: 0 };
  const evaluation: Timer = { calls: 0, ms: 0 };
  // The payload's hash is checked after the head, when the body has been read: that call is verification too.
  timed(Authenticator.prototype, 'authenticate', verification, (result) => {
    const payload = (result as { payload?: { kind: string; complete?: (hash: string) => void } }).payload;
    if (payload?.complete) {
      const complete = payload.complete;
      payload.complete = (hash: string) => {
        const started = performance.now();
        try {
          complete(hash);
        } finally {
          verification.ms += performance.now() - started;
        }
      };
    }
    return result;
  });
  timed(Authorizer.prototype, 'authorize', evaluation);
  timed(Authorizer.prototype, 'authorizeServiceDelivery', evaluation);
  timed(Authorizer.prototype, 'authorizeServiceAssumeRole', evaluation);

  const stack = await startLocalStack({ root: ROOT, localDir, port: 0, chaos: '' });
  const probeDir = join(localDir, 'probe');
  mkdirSync(probeDir, { recursive: true });
  writeFileSync(join(probeDir, 'probe.js'), PROBE_SOURCE);
  const probeFile = join(probeDir, 'starts.jsonl');
  writeFileSync(probeFile, '');
  const lambda = stack.providers.lambda.service;
  lambda.createFunction({ name: PROBE, handler: 'probe.handler', codeDir: probeDir, environment: { OUT_FILE: probeFile }, timeoutSeconds: 10 });
  const costFile = join(localDir, 'cost.jsonl');
  // Cumulative snapshots: the client reads the difference over the window it measures.
  const report = (): void => appendFileSync(costFile, `${JSON.stringify({ at: Date.now(), verification, evaluation })}\n`);
  const timer = setInterval(report, 100);
  serveUntilSignalled({ endpoint: stack.info.endpoint, mailDir: stack.info.mailDir, dataBucket: stack.info.dataBucket, probeFile, probeArn: lambda.functionArn(PROBE), costFile } satisfies ServerInfo, async () => {
    clearInterval(timer);
    report();
    await stack.stop();
  });
}

// ---------------------------------------------------------------------------------------------
// The client side.

interface CostSnapshot {
  at: number;
  verification: Timer;
  evaluation: Timer;
}

/** The server's first cost snapshot taken at or after `at` (it writes one every 100 ms). */
function snapshotAfter(file: string, at: number): Promise<CostSnapshot> {
  return waitFor('the server\'s cost snapshot', () => {
    if (!existsSync(file)) return undefined;
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as CostSnapshot).find((line) => line.at >= at);
  }, 5_000, 20);
}

const delta = (from: CostSnapshot, to: CostSnapshot) => ({
  verification: { calls: to.verification.calls - from.verification.calls, ms: round(to.verification.ms - from.verification.ms, 2) },
  evaluation: { calls: to.evaluation.calls - from.evaluation.calls, ms: round(to.evaluation.ms - from.evaluation.ms, 2) },
});

async function probeStart(file: string, key: string): Promise<number> {
  return waitFor(`the probe to start for ${key}`, () => {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.includes(`"key":"${key}"`)) return (JSON.parse(line) as { startedAt: number }).startedAt;
    }
    return undefined;
  }, 10_000, 1);
}

interface StackResult {
  mode: 'on' | 'off';
  s3ToLambdaMs: number[];
  dropToEmailSeconds: number;
  drop: ReturnType<typeof delta>;
}

async function measureStack(mode: 'on' | 'off', index: number, samples: number, warmup: number): Promise<StackResult> {
  const dir = join(WORK_DIR, `${mode}-${index}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startChildServer<ServerInfo>(__filename, [dir, '--iam', mode]);
  const config = { endpoint: server.info.endpoint, region: REGION, credentials, maxAttempts: 1 };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const events = new EventBridgeClient(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: BUCKET, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    const pattern = { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: [BUCKET] } } };
    await events.send(new PutRuleCommand({ Name: PROBE, EventPattern: JSON.stringify(pattern), State: 'ENABLED' }));
    await events.send(new PutTargetsCommand({ Rule: PROBE, Targets: [{ Id: 'probe', Arn: server.info.probeArn }] }));
    const latencies: number[] = [];
    for (let sample = 0; sample < warmup + samples; sample++) {
      const key = `object-${sample}`;
      const sent = performance.timeOrigin + performance.now();
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
      const started = await probeStart(server.info.probeFile, key);
      if (sample >= warmup) latencies.push(started - sent);
    }

    await s3.send(new PutObjectCommand({ Bucket: server.info.dataBucket, Key: 'incoming/bench/classes.txt', Body: readFileSync(join(SAMPLE_DIR, 'classes.txt')) }));
    // The classes file's own handling (no run) may overlap the drop's window: it is counted with it (against IAM on).
    const costBefore = await snapshotAfter(server.info.costFile, Date.now());
    await s3.send(new PutObjectCommand({ Bucket: server.info.dataBucket, Key: 'incoming/bench/train.csv', Body: readFileSync(join(SAMPLE_DIR, 'train.csv')) }));
    const droppedAt = Date.now();
    const mail = await waitFor('a pipeline email', () => readMailbox(server.info.mailDir).find((candidate: Mail) => detailTypeOfSubject(candidate.subject) !== undefined), 5 * 60_000, 20);
    if (detailTypeOfSubject(mail.subject) !== 'Model Deployed') throw new Error(`the pipeline did not deploy (IAM ${mode}): ${mail.subject}\n${mail.text}`);
    const emailAt = statSync(mail.file).mtimeMs;
    const drop = delta(costBefore, await snapshotAfter(server.info.costFile, emailAt));
    return { mode, s3ToLambdaMs: latencies, dropToEmailSeconds: round((emailAt - droppedAt) / 1000, 2), drop };
  } finally {
    s3.destroy();
    events.destroy();
    await stopChildServer(server.child);
  }
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  if (values.serve !== undefined) return serve(values.serve, values.iam ?? 'on');
  if (!existsSync(join(SAMPLE_DIR, 'train.csv'))) throw new Error(`${SAMPLE_DIR}/train.csv is missing (the DBpedia sample in ../shared/data)`);
  const runs = integerOption(COMMAND, 'runs', values.runs, { min: 1 });
  const samples = integerOption(COMMAND, 'samples', values.samples, { min: 10 });
  const warmup = integerOption(COMMAND, 'warmup', values.warmup, { min: 1 });
  const machine = machineInfo();
  const results: StackResult[] = [];
  for (let index = 0; index < runs; index++) {
    for (const mode of index % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const result = await measureStack(mode, index, samples, warmup);
      results.push(result);
      console.error(
        `IAM ${mode} #${index + 1}: S3 -> Lambda p50 ${median(result.s3ToLambdaMs).toFixed(2)} ms; drop -> email ${result.dropToEmailSeconds} s; ` +
          `in the server during the drop: verification ${result.drop.verification.ms} ms / ${result.drop.verification.calls} requests, evaluation ${result.drop.evaluation.ms} ms / ${result.drop.evaluation.calls} checks`,
      );
    }
  }
  const of = (mode: 'on' | 'off') => results.filter((result) => result.mode === mode);
  const p50 = (mode: 'on' | 'off') => round(median(of(mode).flatMap((result) => result.s3ToLambdaMs)), 2);
  const p95 = (mode: 'on' | 'off') => round(percentile(of(mode).flatMap((result) => result.s3ToLambdaMs), 95), 2);
  const email = (mode: 'on' | 'off') => round(median(of(mode).map((result) => result.dropToEmailSeconds)), 2);
  const overhead = (email('on') - email('off')) / email('off');
  const onRuns = of('on');
  const inServerMs = median(onRuns.map((result) => result.drop.verification.ms + result.drop.evaluation.ms));
  const inServerShare = median(onRuns.map((result) => (result.drop.verification.ms + result.drop.evaluation.ms) / (result.dropToEmailSeconds * 1000)));
  const perRequest = (timer: 'verification' | 'evaluation') => round((median(onRuns.map((result) => result.drop[timer].ms / Math.max(1, result.drop[timer].calls)))) * 1000, 1);
  const figures: Figure[] = [
    { measure: `S3 PutObject -> Lambda handler start, warm, p50, IAM on (${of('on').length * samples} samples)`, value: p50('on'), unit: 'ms', reference: p50('off'), referenceName: 'IAM off, same run' },
    { measure: 'S3 PutObject -> Lambda handler start, warm, p95, IAM on', value: p95('on'), unit: 'ms', reference: p95('off'), referenceName: 'IAM off, same run' },
    {
      measure: `DBpedia sample drop -> Model deployed email, IAM on (median of ${onRuns.length})`,
      value: email('on'),
      unit: 's',
      reference: email('off'),
      referenceName: 'IAM off, same run',
      target: `<= ${TARGET_DROP_TO_EMAIL_OVERHEAD * 100}% over off (${round(overhead * 100, 1)}%)`,
      met: overhead <= TARGET_DROP_TO_EMAIL_OVERHEAD,
    },
    {
      measure: 'drop -> email, IAM on: time in the server verifying signatures + evaluating policies (median), share of drop -> email',
      value: `${round(inServerMs, 1)} ms (${round(inServerShare * 100, 2)}%)`,
      target: `<= ${TARGET_DROP_TO_EMAIL_OVERHEAD * 100}%`,
      met: inServerShare <= TARGET_DROP_TO_EMAIL_OVERHEAD,
    },
    { measure: 'per request: signature verification / per check: policy evaluation (median, IAM on)', value: `${perRequest('verification')} / ${perRequest('evaluation')}`, unit: 'µs' },
  ];
  const note = busyMachineNote(machine.loadAverage);
  writeSection({
    name: 'iam',
    title: 'Authentication and IAM: their cost on S3 -> Lambda and drop -> email',
    issue: '11 The local stack lets no one in where they don\'t belong',
    command: `npx tsx bench/iam.ts --runs ${runs} --samples ${samples} --warmup ${warmup}`,
    machine,
    figures,
    details: results,
    notes: [
      'stacks alternate off/on (then on/off), each a fresh state directory; signatures are verified in both modes, so on - off is the cost of policy evaluation and role credentials',
      'the in-server figure is measured around Authenticator.authenticate (and its deferred payload check) and the Authorizer\'s checks, in the server process; the S3 route\'s PutObject is signed with the local root keys, which IAM lets through unevaluated as on AWS',
      'the probe\'s start time and the client\'s send time are both performance.timeOrigin + now on this machine (no clock-offset correction, unlike bench/stack.ts)',
      'the in-server timers are wall time: on a loaded machine they include the time the server thread waited for a core, so per-check figures are upper bounds (the checks themselves are pure CPU work)',
      ...(note ? [note] : []),
    ],
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
