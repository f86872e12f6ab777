'use strict';

/**
 * Uploads the script of every Glue job in the stack to its ScriptLocation after `serverless deploy`.
 * A job names its script with `Metadata: { 'ml-pipeline:script-source': <path from the repo root> }`,
 * so the template is the one place that says which file runs where (the local stack's deployer reads
 * the same Metadata). Works with the provider's credentials and endpoint (an AWS SDK v3 client built from
 * `provider.getAwsSdkV3Config()`: osls 4 removed the v2 `provider.request`); nothing runs at package time.
 */
const fs = require('node:fs');
const path = require('node:path');
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');

const METADATA_KEY = 'ml-pipeline:script-source';
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

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

  /** The Glue jobs of the compiled template that name a script source. */
  scripts() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate?.Resources ?? {};
    return Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Glue::Job' && resource.Metadata?.[METADATA_KEY])
      .map(([logicalId, resource]) => ({
        logicalId,
        source: resource.Metadata[METADATA_KEY],
        location: resource.Properties.Command.ScriptLocation,
      }));
  }

  /** Fails the deploy before CloudFormation changes anything if a script is missing. */
  checkScripts() {
    for (const { logicalId, source } of this.scripts()) {
      if (!fs.existsSync(path.resolve(REPO_ROOT, source))) {
        throw new this.serverless.classes.Error(`${logicalId}: script ${source} not found under ${REPO_ROOT}`);
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
    const template = typeof location === 'string' ? location : location?.['Fn::Sub'];
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
