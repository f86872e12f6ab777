/**
 * `npm start` itself, as docs/contracts.md fixes it: it writes stack.json once ready, speaks the AWS
 * protocols there, stops on a SIGTERM sent to npm alone (not only to its process group), and its state
 * survives a restart. Run against a temporary LOCAL_STACK_DIR and a free port, never this checkout's .local.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { StackInfo } from '../../local-stack/src/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Started {
  npm: ChildProcess;
  info: StackInfo;
  output: () => string;
}

async function npmStart(dir: string): Promise<Started> {
  // Its own process group, so that whatever it leaves behind can be cleaned up after a failure.
  const npm = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, LOCAL_STACK_PORT: '0', LOCAL_STACK_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const infoFile = path.join(dir, 'stack.json');
  await waitFor(() => `npm start to write ${infoFile} (its output so far: ${output})`, () => npm.exitCode === null && existsSync(infoFile), 90_000, 50);
  return { npm, info: JSON.parse(readFileSync(infoFile, 'utf8')) as StackInfo, output: () => output };
}

function portOpen(endpoint: string): Promise<boolean> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function terminate(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.npm.once('exit', (code) => resolve(code)));
  started.npm.kill('SIGTERM'); // npm alone, as a supervisor that knows only npm's pid would
  return exited;
}

describe('npm start', () => {
  const temp = temporaryDirectory('npm-start');
  const dir = temp.dir;
  let running: Started | undefined;

  afterAll(() => {
    try {
      if (running?.npm.pid) process.kill(-running.npm.pid, 'SIGKILL');
    } catch {
      // the group is gone: everything stopped as it should
    }
    temp.remove();
  });

  it('writes stack.json when ready, stops on a SIGTERM to npm, and keeps its state for the next start', async () => {
    running = await npmStart(dir);
    const { info } = running;
    expect(info).toEqual({
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      region: 'us-east-1',
      stage: 'local',
      dataBucket: 'ml-pipeline-local-data-000000000000-us-east-1',
      incomingPrefix: 'incoming/',
      endpointName: 'ml-pipeline-local',
      mailDir: path.join(dir, 'mail'),
      consoleUrl: `${info.endpoint}/_console/`,
    });
    await waitFor('the console line', () => running!.output().includes(`console     ${info.consoleUrl}`), 10_000, 50);
    const page = await fetch(info.consoleUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
    const sts = new STSClient({ endpoint: info.endpoint, region: info.region, credentials });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('000000000000');
    const s3 = new S3Client({ endpoint: info.endpoint, region: info.region, credentials, forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: info.dataBucket, Key: 'notes/kept.txt', Body: 'survives a restart' }));

    // The terminal follows runs: a refused drop is a run of its own, with a line per stage it went through.
    await s3.send(new PutObjectCommand({ Bucket: info.dataBucket, Key: 'incoming/report.xlsx', Body: 'not a data set' }));
    const ingestLine = /\[local-stack\] run (\d{8}-\d{6}-[0-9a-f]{6})  ingest     drop incoming\/report\.xlsx rejected: .+/;
    await waitFor('the run line of the refused drop', () => ingestLine.test(running!.output()), 30_000, 50);
    const runId = ingestLine.exec(running.output())![1]!;
    await waitFor('the run line of its email', () => running!.output().includes(`run ${runId}  notify     email to `), 30_000, 50);
    expect(running.output()).toMatch(new RegExp(`run ${runId}  notify     email to .+: \\[local\\] Data rejected: incoming/report\\.xlsx`));

    expect(await terminate(running)).toBe(0);
    expect(running.output()).toContain('SIGTERM: stopping');
    await waitFor('the port to close', async () => !(await portOpen(info.endpoint)), 10_000, 50);
    expect(existsSync(path.join(dir, 'stack.json'))).toBe(false);

    running = await npmStart(dir);
    const again = new S3Client({ endpoint: running.info.endpoint, region: info.region, credentials, forcePathStyle: true });
    const kept = await again.send(new GetObjectCommand({ Bucket: info.dataBucket, Key: 'notes/kept.txt' }));
    expect(await kept.Body!.transformToString()).toBe('survives a restart');

    // The terminal shows a handler's warning in one line; START / REPORT and info lines are in CloudWatch Logs only.
    await again.send(new PutObjectCommand({ Bucket: info.dataBucket, Key: 'incoming/npm-start/customers.csv', Body: 'id,name,email,country,signup\n1,Ann,ann@example.com,SE,2024-01-01\n' }));
    const warning = await waitFor(
      `the terminal to show the rejected drop (output so far: ${running.output()})`,
      () => running!.output().split('\n').find((line) => line.includes('[lambda:ml-pipeline-ingestion-local-ingestDrop]') && line.includes('drop rejected')),
      60_000,
      50,
    );
    expect(warning).toMatch(/^\S+Z WARN \[local-stack\] \[lambda:ml-pipeline-ingestion-local-ingestDrop\] drop rejected \{"key":"incoming\/npm-start\/customers\.csv",/);
    const functionLines = running.output().split('\n').filter((line) => line.includes('[lambda:'));
    expect(functionLines.filter((line) => !/ (WARN|ERROR) \[local-stack\] \[lambda:/.test(line))).toEqual([]);
    expect(running.output()).not.toMatch(/START RequestId|REPORT RequestId/);
    expect(await terminate(running)).toBe(0);
  }, 200_000);
});
