/**
 * The package cache npm start relies on: a package is reused only while it is the one packageService
 * made from the current inputs, judged by content (a `serverless package --param=...` run since, or a
 * deploy with parameters, rewrites the template: that package is not reused).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPackageCurrent, packageService, type ServerlessRunner } from './package';

describe('package cache', () => {
  let root: string;
  const outDir = () => path.join(root, 'services', 'training', '.serverless');
  const writeTemplate = (minAccuracy: string) => {
    mkdirSync(outDir(), { recursive: true });
    writeFileSync(path.join(outDir(), 'cloudformation-template-create-stack.json'), '{"Resources": {}}');
    writeFileSync(path.join(outDir(), 'cloudformation-template-update-stack.json'), JSON.stringify({ Parameters: { minAccuracy: { Type: 'Number', Default: minAccuracy } } }));
    writeFileSync(path.join(outDir(), 'serverless-state.json'), JSON.stringify({ service: { provider: { stage: 'local' } } }));
  };
  /** What `serverless package` does, as far as the cache can tell: writes the templates and state. */
  const fakeServerless: ServerlessRunner = async () => writeTemplate('0.8');

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'package-cache-'));
    for (const dir of ['services/training/src', 'shared/src', 'local-stack/serverless']) mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, 'services/training/serverless.yml'), 'service: training\n');
    writeFileSync(path.join(root, 'services/training/src/handler.ts'), 'export const handler = 1;\n');
    writeFileSync(path.join(root, 'shared/src/index.ts'), 'export {};\n');
    writeFileSync(path.join(root, 'package-lock.json'), '{}');
    writeFileSync(path.join(root, 'tsconfig.json'), '{}');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is current after packageService, for that stage only', async () => {
    expect(isPackageCurrent(root, 'training', 'local')).toBe(false);
    await packageService(root, 'training', 'local', fakeServerless);
    expect(isPackageCurrent(root, 'training', 'local')).toBe(true);
    expect(isPackageCurrent(root, 'training', 'prod')).toBe(false);
  });

  it('is stale once another command rewrote the package, however old its files look', async () => {
    await packageService(root, 'training', 'local', fakeServerless);
    // `serverless package --param="minAccuracy=0.5"`, with file times that predate every input.
    writeTemplate('0.5');
    const past = new Date('2020-01-01T00:00:00Z');
    utimesSync(path.join(outDir(), 'cloudformation-template-update-stack.json'), past, past);
    expect(isPackageCurrent(root, 'training', 'local')).toBe(false);
  });

  it('is stale when an input changes, and not when only a file time does', async () => {
    await packageService(root, 'training', 'local', fakeServerless);
    const handler = path.join(root, 'services/training/src/handler.ts');
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(handler, future, future);
    expect(isPackageCurrent(root, 'training', 'local')).toBe(true);
    writeFileSync(handler, 'export const handler = 2;\n');
    expect(isPackageCurrent(root, 'training', 'local')).toBe(false);
  });
});
