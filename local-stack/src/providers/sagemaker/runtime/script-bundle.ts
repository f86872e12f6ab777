/**
 * A TypeScript entry point bundled with esbuild into one CommonJS file, built once on first use,
 * so that child processes and worker threads start as plain Node (no TypeScript loader, which costs
 * seconds per start). The `fasttext` native binding stays external.
 */
import { join } from 'node:path';

export class ScriptBundle {
  private built: Promise<string> | undefined;

  constructor(
    private readonly entryPoint: string,
    private readonly outfile: string,
  ) {}

  path(): Promise<string> {
    this.built ??= (async () => {
      const { build } = await import('esbuild');
      await build({
        entryPoints: [this.entryPoint],
        outfile: this.outfile,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        external: ['fasttext'],
        logLevel: 'silent',
      });
      return this.outfile;
    })();
    this.built.catch(() => (this.built = undefined));
    return this.built;
  }
}

/** The bundle of a module of this provider (`sagemaker/<relativeEntry>.ts`) under `outputDir`. */
export function providerBundle(relativeEntry: string, outputDir: string): ScriptBundle {
  const name = relativeEntry.split('/').pop()!;
  return new ScriptBundle(join(__dirname, '..', `${relativeEntry}.ts`), join(outputDir, `${name}.cjs`));
}
