import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HOW_TO_GET_AN_AWS_CLI, lookUpAwsCli, printedTimestampMs } from './aws-cli';
import { temporaryDirectory } from './temporary-directory';

describe('finding the AWS CLI the acceptance tests use', () => {
  const temp = temporaryDirectory('aws-cli-lookup');
  const dir = temp.dir;
  afterAll(() => temp.remove());

  /** A fake `aws` in its own folder that prints `version` for --version. */
  function fakeCli(folder: string, version: string, status = 0): string {
    const file = path.join(dir, folder, 'aws');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `#!/bin/sh\necho '${version}'\nexit ${status}\n`, { mode: 0o755 });
    return file;
  }

  it('takes the first aws on PATH and reads its version (v1 and v2 print it alike)', () => {
    const v1 = fakeCli('v1', 'aws-cli/1.45.11 Python/3.11.7 Linux/6.18 botocore/1.43.11');
    const v2 = fakeCli('v2', 'aws-cli/2.9.19 Python/3.11.2 Linux/6.18 source/x86_64.debian.12 prompt/off');
    expect(lookUpAwsCli({ PATH: [path.join(dir, 'empty'), path.dirname(v1), path.dirname(v2)].join(path.delimiter) })).toEqual({
      found: { command: v1, version: 'aws-cli/1.45.11', major: 1, minor: 45 },
    });
    expect(lookUpAwsCli({ PATH: path.dirname(v2) })).toEqual({ found: { command: v2, version: 'aws-cli/2.9.19', major: 2, minor: 9 } });
  });

  it('prefers AWS_CLI to the PATH', () => {
    const v1 = fakeCli('p1', 'aws-cli/1.45.11 Python/3.11.7');
    const v2 = fakeCli('p2', 'aws-cli/2.9.19 Python/3.11.2');
    expect(lookUpAwsCli({ AWS_CLI: v2, PATH: path.dirname(v1) })).toMatchObject({ found: { command: v2, major: 2 } });
  });

  it('says why there is none, and how to get one', () => {
    expect(lookUpAwsCli({ PATH: path.join(dir, 'empty') })).toEqual({ missing: `AWS_CLI is not set and there is no aws on PATH; ${HOW_TO_GET_AN_AWS_CLI}` });
    const broken = fakeCli('broken', 'Traceback: no module named awscli', 1);
    expect(lookUpAwsCli({ AWS_CLI: broken })).toEqual({ missing: expect.stringMatching(new RegExp(`^AWS_CLI=${broken} does not run as an AWS CLI \\(Traceback: no module named awscli\\); install one`)) });
    expect(lookUpAwsCli({ AWS_CLI: path.join(dir, 'nothing-here') })).toEqual({ missing: expect.stringContaining('ENOENT') });
  });

  it('reads a timestamp as either CLI prints it', () => {
    expect(printedTimestampMs('2026-12-06T22:00:00.500000+00:00')).toBe(Date.parse('2026-12-06T22:00:00.500Z'));
    expect(printedTimestampMs(1796594400.5)).toBe(1796594400500);
    expect(printedTimestampMs('1796594400.5')).toBe(1796594400500);
    expect(printedTimestampMs(undefined)).toBeNaN();
  });
});
