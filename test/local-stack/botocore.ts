/**
 * Test support: AWS calls through botocore, the Python SDK, in either of SQS's protocols. `json` is
 * the botocore beside the AWS CLI v1 on PATH (`python3`), whose SQS model speaks the JSON protocol;
 * `query` is the botocore inside Debian's AWS CLI v2.9 (`awscli.botocore`, the query protocol), run by
 * /usr/bin/python3 with Debian's dist-packages, or those under `$DEBIAN_AWSCLI_ROOT` when the package
 * was extracted privately (`dpkg -x awscli_*.deb $DEBIAN_AWSCLI_ROOT`). Calls run asynchronously: the
 * stack under test serves them from the test's own process.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';

export type BotocoreProtocol = 'json' | 'query';

export type BotocoreResult =
  | { response: Record<string, unknown>; error?: undefined }
  | { error: { Code: string; Message: string; QueryErrorCode?: string; Type?: string }; status: number; response?: undefined };

const SCRIPT = path.join(__dirname, 'fixtures', 'botocore-call.py');

function interpreter(protocol: BotocoreProtocol): { command: string; env: NodeJS.ProcessEnv } {
  if (protocol === 'json') return { command: 'python3', env: { ...process.env } };
  const root = process.env.DEBIAN_AWSCLI_ROOT ?? '/';
  return { command: '/usr/bin/python3', env: { ...process.env, PYTHONPATH: path.join(root, 'usr/lib/python3/dist-packages') } };
}

/** True when the protocol's botocore can be imported here. */
export function botocoreAvailable(protocol: BotocoreProtocol): boolean {
  const { command, env } = interpreter(protocol);
  try {
    execFileSync(command, ['-c', protocol === 'json' ? 'import botocore.session' : 'import awscli.botocore.session'], { env, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One call (`operation` in its AWS name, `params` in botocore's shapes). */
export function botocoreCall(
  protocol: BotocoreProtocol,
  endpoint: string,
  service: string,
  operation: string,
  params: Record<string, unknown>,
): Promise<BotocoreResult> {
  const { command, env } = interpreter(protocol);
  return new Promise((resolve, reject) => {
    execFile(command, [SCRIPT, protocol, endpoint, service, operation, JSON.stringify(params)], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`botocore ${operation} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as BotocoreResult);
    });
  });
}
