/**
 * The one layout every provider follows (local-stack/README.md): `provider.ts`, the wire side
 * (`operations.ts` or `operations/`, and wire helpers beside it), `model/` for state and behaviour
 * without wire types, `runtime/` for child processes and worker threads. This test keeps the
 * model and runtime off the wire: they import no protocol module of core, no request or response
 * type, and nothing of their provider's wire side (its `errors.ts`, AWS's error codes, excepted).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const PROVIDERS = __dirname;
const CORE = path.resolve(__dirname, '../core');
const CORE_WIRE_MODULES = ['json-protocol', 'query-protocol', 'rest-routes', 'xml', 'errors', 'request-body', 'aws-chunked', 'server', 'router', 'service-resolution'];
/** Providers that keep no state, so have no model/ (ECR: a registry without images). */
const STATELESS = ['ecr'];
const WIRE_TYPES = /\b(AwsRequest|AwsRequestHead|AwsResponse)\b/;

const providers = readdirSync(PROVIDERS).filter((name) => statSync(path.join(PROVIDERS, name)).isDirectory());

function sourceFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Each relative import of a file, resolved to a path without extension. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => path.resolve(path.dirname(file), match[1]!));
}

describe('the provider layout', () => {
  it('has a provider, a public index, a wire side and a model in every provider folder', () => {
    expect(providers.sort()).toEqual(['cloudformation', 'ecr', 'events', 'glue', 'lambda', 'logs', 's3', 'sagemaker', 'ses', 'sqs', 'sts']);
    for (const provider of providers) {
      const folder = path.join(PROVIDERS, provider);
      const where = `providers/${provider}`;
      expect([where, /implements Provider\b/.test(readFileSync(path.join(folder, 'provider.ts'), 'utf8'))]).toEqual([where, true]);
      expect([where, existsSync(path.join(folder, 'operations.ts')) || existsSync(path.join(folder, 'operations'))]).toEqual([where, true]);
      expect([where, existsSync(path.join(folder, 'model')) || STATELESS.includes(provider)]).toEqual([where, true]);
      expect([where, existsSync(path.join(folder, 'index.ts'))]).toEqual([where, true]);
      const unexpected = (existsSync(path.join(folder, 'model')) ? readdirSync(path.join(folder, 'model')) : []).filter((name) => name === 'provider.ts' || name.startsWith('operations'));
      expect([where, unexpected]).toEqual([where, []]);
    }
  });

  it('keeps model/ and runtime/ free of the wire', () => {
    const offenders: string[] = [];
    for (const provider of providers) {
      const folder = path.join(PROVIDERS, provider);
      const inner = [path.join(folder, 'model'), path.join(folder, 'runtime')];
      for (const file of inner.flatMap(sourceFiles)) {
        const name = path.relative(PROVIDERS, file);
        if (WIRE_TYPES.test(readFileSync(file, 'utf8'))) offenders.push(`${name} uses a request/response type`);
        for (const target of imports(file)) {
          if (CORE_WIRE_MODULES.some((module) => target === path.join(CORE, module))) offenders.push(`${name} imports core/${path.basename(target)}`);
          const ownWireSide = target.startsWith(`${folder}${path.sep}`) && !inner.some((dir) => target.startsWith(`${dir}${path.sep}`));
          if (ownWireSide && target !== path.join(folder, 'errors')) offenders.push(`${name} imports ${path.relative(PROVIDERS, target)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
