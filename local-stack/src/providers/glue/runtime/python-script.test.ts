import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runPythonScript, stageExtraPyFiles } from './python-script';

describe('stageExtraPyFiles (--extra-py-files)', () => {
  let dir: string;
  /** Objects as files: s3://<bucket>/<key> is <dir>/<bucket>/<key>. */
  const objectPath = async (bucket: string, key: string) => {
    const file = path.join(dir, bucket, key);
    if (!existsSync(file)) throw Object.assign(new Error('The specified key does not exist.'), { code: 'NoSuchKey' });
    return file;
  };
  const put = (key: string, body: string) => {
    mkdirSync(path.dirname(path.join(dir, 'bucket', key)), { recursive: true });
    writeFileSync(path.join(dir, 'bucket', key), body);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'glue-runner-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stages nothing when the argument is absent or empty', async () => {
    for (const list of [undefined, '', ' , ']) expect((await stageExtraPyFiles(list, objectPath)).pythonPath).toEqual([]);
  });

  it('copies the modules into a directory of the run, which goes on the path, and removes it after', async () => {
    put('glue-scripts/greeting.py', 'WORDS = "hello from a module"\n');
    put('glue-scripts/lib/other.py', 'X = 1\n');
    put('wheels/pkg.whl', 'not really a wheel');
    const staged = await stageExtraPyFiles('s3://bucket/glue-scripts/greeting.py, s3://bucket/glue-scripts/lib/other.py,s3://bucket/wheels/pkg.whl', objectPath);
    const [folder, wheel] = staged.pythonPath;
    expect(staged.pythonPath).toHaveLength(2);
    expect(readFileSync(path.join(folder!, 'greeting.py'), 'utf8')).toBe('WORDS = "hello from a module"\n');
    expect(existsSync(path.join(folder!, 'other.py'))).toBe(true);
    expect(wheel).toBe(path.join(folder!, 'pkg.whl'));

    // A script run with that path imports the module, as on Glue.
    put('job.py', 'import greeting\nprint(greeting.WORDS)\n');
    const log = path.join(dir, 'run.log');
    const run = runPythonScript({ python: 'python3', script: path.join(dir, 'bucket', 'job.py'), args: [], env: { PATH: process.env.PATH, PYTHONPATH: staged.pythonPath.join(path.delimiter) }, logFile: log });
    await expect(run.finished).resolves.toMatchObject({ code: 0 });
    expect(readFileSync(log, 'utf8')).toBe('hello from a module\n');

    staged.remove();
    expect(existsSync(folder!)).toBe(false);
  });

  it('fails, leaving nothing behind, on a missing object, a URI that is not a module and two files of one name', async () => {
    const runs = path.join(dir, 'runs');
    mkdirSync(runs);
    put('a/x.py', '');
    put('b/x.py', '');
    await expect(stageExtraPyFiles('s3://bucket/a/missing.py', objectPath, runs)).rejects.toThrow('The specified key does not exist.');
    await expect(stageExtraPyFiles('s3://bucket/a/x.py,/tmp/y.py', objectPath, runs)).rejects.toThrow(
      '--extra-py-files: /tmp/y.py is not an s3:// URI of a .py, .zip or .whl file',
    );
    await expect(stageExtraPyFiles('s3://bucket/a/x.py,s3://bucket/b/x.py', objectPath, runs)).rejects.toThrow('--extra-py-files: two files are named x.py');
    expect(readdirSync(runs)).toEqual([]);
  });
});
