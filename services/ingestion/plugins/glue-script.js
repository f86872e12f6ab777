'use strict';

/**
 * Uploads the script of every Glue job in the stack to its ScriptLocation after `serverless deploy`, and
 * the Python modules it imports beside it. A job names its files in its Metadata (paths from the repo root):
 * `'ml-pipeline:script-source': <script>` and `'ml-pipeline:extra-py-files-source': [<module>, ...]`, each
 * module uploaded to ScriptLocation's folder under its own file name; the job's `--extra-py-files` argument
 * must name exactly those objects (checked before the deploy). So the template is the one place that says
 * which file runs where (the local stack's deploy reads the same Metadata). Works with the provider's
 * credentials and endpoint (an AWS SDK v3 client built from `provider.getAwsSdkV3Config()`: osls 4 removed
 * the v2 `provider.request`); nothing runs at package time.
 */
const fs = require('node:fs');
const path = require('node:path');
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');

const METADATA_KEY = 'ml-pipeline:script-source';
const EXTRA_FILES_KEY = 'ml-pipeline:extra-py-files-source';
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A location's template: a literal, or the string of an Fn::Sub. */
const templateOf = (location) => (typeof location === 'string' ? location : location?.['Fn::Sub']);

class GlueScriptPlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.provider = serverless.getProvider('aws');
    this.log = log ?? { notice: console.log };
    this.hooks = {
      'before:deploy:deploy': () => this.checkScripts(),
      'after:deploy:deploy': () => this.uploadScripts(),
    };
  }

  /** The Glue jobs of the compiled template that name a script source: each file and where it goes. */
  jobs() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate?.Resources ?? {};
    return Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Glue::Job' && resource.Metadata?.[METADATA_KEY])
      .map(([logicalId, resource]) => {
        const script = templateOf(resource.Properties.Command.ScriptLocation);
        const modules = (resource.Metadata[EXTRA_FILES_KEY] ?? []).map((source) => ({
          source,
          location: { 'Fn::Sub': script.replace(/[^/]*$/, path.posix.basename(source)) },
        }));
        return {
          logicalId,
          files: [{ source: resource.Metadata[METADATA_KEY], location: resource.Properties.Command.ScriptLocation }, ...modules],
          extraPyFiles: templateOf(resource.Properties.DefaultArguments?.['--extra-py-files']),
          expectedExtraPyFiles: modules.map(({ location }) => location['Fn::Sub']).join(','),
        };
      });
  }

  /** The files to upload: the script and the modules of every job. */
  scripts() {
    return this.jobs().flatMap((job) => job.files.map((file) => ({ logicalId: job.logicalId, ...file })));
  }

  /** Fails the deploy before CloudFormation changes anything if a file is missing or --extra-py-files names others. */
  checkScripts() {
    for (const { logicalId, files, extraPyFiles, expectedExtraPyFiles } of this.jobs()) {
      for (const { source } of files) {
        if (!fs.existsSync(path.resolve(REPO_ROOT, source))) {
          throw new this.serverless.classes.Error(`${logicalId}: script ${source} not found under ${REPO_ROOT}`);
        }
      }
      if ((extraPyFiles ?? '') !== expectedExtraPyFiles) {
        throw new this.serverless.classes.Error(
          `${logicalId}: --extra-py-files is ${extraPyFiles ?? '(not set)'}, but ${EXTRA_FILES_KEY} uploads ${expectedExtraPyFiles || 'nothing'}`,
        );
      }
    }
  }

  async uploadScripts() {
    const scripts = this.scripts();
    if (scripts.length === 0) return;
    const s3 = new S3Client(await this.provider.getAwsSdkV3Config());
    try {
      for (const { source, location } of scripts) {
        const uri = await this.resolveLocation(location);
        const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
        if (!match) throw new this.serverless.classes.Error(`ScriptLocation ${uri} is not an s3:// object URI`);
        await s3.send(
          new PutObjectCommand({
            Bucket: match[1],
            Key: match[2],
            Body: fs.readFileSync(path.resolve(REPO_ROOT, source)),
            ContentType: 'text/x-python',
          }),
        );
        this.log.notice(`Glue script ${source} uploaded to ${uri}`);
      }
    } finally {
      s3.destroy();
    }
  }

  /** ScriptLocation as a string: a literal, or an Fn::Sub of pseudo parameters. */
  async resolveLocation(location) {
    const template = templateOf(location);
    if (typeof template !== 'string') {
      throw new this.serverless.classes.Error('ScriptLocation must be a string or an Fn::Sub string');
    }
    const region = this.provider.getRegion();
    const values = {
      Region: region,
      Partition: region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws',
      URLSuffix: region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com',
    };
    if (template.includes('${AWS::AccountId}')) values.AccountId = await this.provider.getAccountId();
    return template.replace(/\$\{AWS::(\w+)\}/g, (whole, name) => {
      if (values[name] === undefined) throw new this.serverless.classes.Error(`cannot resolve ${whole} in ${template}`);
      return values[name];
    });
  }
}

module.exports = GlueScriptPlugin;
