/**
 * Builds the console page with esbuild: console/src/app/main.tsx (Preact, uPlot, the AWS SDK clients) into
 * one script and one stylesheet, beside console/src/app/index.html. In memory: the local stack and
 * `npm run console` build it when the page is first asked for, so there is no build output to keep
 * current or to commit. `npx tsx console/build.ts [--out dir]` writes the files (and their sizes) instead.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';

export interface BuiltFile {
  contentType: string;
  body: Buffer;
  etag: string;
}

export interface ConsoleBundle {
  files: Map<string, BuiltFile>;
  /** The files the page loads before it shows anything (app.js and the chunks it imports statically, the stylesheet). */
  initialFiles: string[];
  buildMs: number;
}

const APP_DIR = path.join(__dirname, 'src', 'app');

const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;

function file(contentType: string, body: Buffer): BuiltFile {
  return { contentType, body, etag: etagOf(body) };
}

/**
 * zod (which the shared schemas use) re-exports every locale it has, some 40 of them, and a bundler cannot
 * drop a namespace re-export: the page keeps English only (zod's default), a third of zod's size.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(build: { onResolve: (options: { filter: RegExp }, callback: (args: { importer: string }) => { path: string } | undefined) => void }) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer) ? { path: path.join(__dirname, 'zod-locales.js') } : undefined,
    );
  },
};

export async function buildConsole(): Promise<ConsoleBundle> {
  const started = Date.now();
  // esbuild is loaded only when the page is built: a stack whose console nobody opens never loads it.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: { app: path.join(APP_DIR, 'main.tsx') },
    bundle: true,
    write: false,
    outdir: '/console-out',
    format: 'esm',
    // The run page's schemas, the upload's multipart client, the chart: chunks loaded when first used.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    mainFields: ['browser', 'module', 'main'],
    conditions: ['browser'],
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: path.join(__dirname, '..'),
    plugins: [englishOnlyZod],
    metafile: true,
  });
  const files = new Map<string, BuiltFile>();
  for (const output of result.outputFiles) {
    const name = path.basename(output.path);
    files.set(name, file(name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8', Buffer.from(output.contents)));
  }
  files.set('index.html', file('text/html; charset=utf-8', readFileSync(path.join(APP_DIR, 'index.html'))));
  const outputs = result.metafile.outputs;
  const initial = new Set<string>(['index.html']);
  const visit = (output: string) => {
    const name = path.basename(output);
    if (initial.has(name)) return;
    initial.add(name);
    for (const imported of outputs[output]?.imports ?? []) if (imported.kind === 'import-statement') visit(imported.path);
    const css = outputs[output]?.cssBundle;
    if (css) initial.add(path.basename(css));
  };
  const entry = Object.keys(outputs).find((output) => outputs[output]!.entryPoint !== undefined && output.endsWith('.js'));
  if (entry) visit(entry);
  return { files, initialFiles: [...initial], buildMs: Date.now() - started };
}

if (require.main === module) {
  void (async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { gzipSync } = await import('node:zlib');
    const outIndex = process.argv.indexOf('--out');
    const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]!) : undefined;
    const bundle = await buildConsole();
    const initialBytes = bundle.initialFiles.reduce((sum, name) => sum + bundle.files.get(name)!.body.length, 0);
    const initialGzip = bundle.initialFiles.reduce((sum, name) => sum + gzipSync(bundle.files.get(name)!.body).length, 0);
    console.log(`console built in ${bundle.buildMs} ms; first load ${(initialBytes / 1024).toFixed(1)} KiB (${(initialGzip / 1024).toFixed(1)} KiB gzipped) in ${bundle.initialFiles.length} files`);
    for (const [name, built] of bundle.files) {
      console.log(`  ${name.padEnd(12)} ${(built.body.length / 1024).toFixed(1).padStart(7)} KiB, ${(gzipSync(built.body).length / 1024).toFixed(1).padStart(6)} KiB gzipped`);
      if (out) {
        mkdirSync(out, { recursive: true });
        writeFileSync(path.join(out, name), built.body);
      }
    }
  })();
}
