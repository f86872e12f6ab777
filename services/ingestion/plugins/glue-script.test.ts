import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

interface Plugin {
  hooks: Record<string, () => unknown>;
}
type PluginClass = new (serverless: unknown, options: unknown, utils: { log: { notice: (message: string) => void } }) => Plugin;
// Through jest's module registry, so that the plugin's S3Client is the one mocked here.
const GlueScriptPlugin = jest.requireActual<PluginClass>('./glue-script.js');
const s3 = mockClient(S3Client);

class ServerlessError extends Error {}

const FOLDER = 's3://data-${AWS::AccountId}-${AWS::Region}/glue-scripts/';

function setup(scriptSource: string, modules: { sources: string[]; extraPyFiles?: string } = { sources: [] }) {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  // osls 4 has no v2 `provider.request` (it throws); plugins build v3 clients from this config.
  const getAwsSdkV3Config = jest.fn().mockResolvedValue({ region: 'eu-west-1' });
  const provider = { getAwsSdkV3Config, getRegion: () => 'eu-west-1', getAccountId: jest.fn().mockResolvedValue('123456789012') };
  const serverless = {
    classes: { Error: ServerlessError },
    getProvider: () => provider,
    service: {
      provider: {
        compiledCloudFormationTemplate: {
          Resources: {
            Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
            PreprocessJob: {
              Type: 'AWS::Glue::Job',
              Metadata: {
                'ml-pipeline:script-source': scriptSource,
                ...(modules.sources.length > 0 ? { 'ml-pipeline:extra-py-files-source': modules.sources } : {}),
              },
              Properties: {
                Command: { ScriptLocation: { 'Fn::Sub': `${FOLDER}preprocess.py` } },
                ...(modules.extraPyFiles === undefined ? {} : { DefaultArguments: { '--extra-py-files': { 'Fn::Sub': modules.extraPyFiles } } }),
              },
            },
          },
        },
      },
    },
  };
  const notices: string[] = [];
  const plugin = new GlueScriptPlugin(serverless, {}, { log: { notice: (message) => notices.push(message) } });
  /** The PutObject inputs, in order. */
  const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input as { Key: string; Body: Buffer });
  return { plugin, getAwsSdkV3Config, puts, notices };
}

describe('glue-script plugin', () => {
  it('uploads the script the job names to its ScriptLocation after the deploy', async () => {
    const { plugin, getAwsSdkV3Config, puts, notices } = setup('services/ingestion/plugins/glue-script.js');
    await plugin.hooks['before:deploy:deploy']!();
    await plugin.hooks['after:deploy:deploy']!();

    expect(getAwsSdkV3Config).toHaveBeenCalledTimes(1);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'data-123456789012-eu-west-1',
      Key: 'glue-scripts/preprocess.py',
      Body: expect.any(Buffer),
      ContentType: 'text/x-python',
    });
    expect(puts()[0]!.Body.toString()).toContain('class GlueScriptPlugin');
    expect(notices).toEqual([`Glue script services/ingestion/plugins/glue-script.js uploaded to s3://data-123456789012-eu-west-1/glue-scripts/preprocess.py`]);
  });

  it('uploads the modules --extra-py-files names beside the script', async () => {
    const sources = ['glue_scripts/preprocess_normalization.py', 'glue_scripts/preprocess_split.py'];
    const extraPyFiles = `${FOLDER}preprocess_normalization.py,${FOLDER}preprocess_split.py`;
    const { plugin, puts } = setup('glue_scripts/preprocess.py', { sources, extraPyFiles });
    await plugin.hooks['before:deploy:deploy']!();
    await plugin.hooks['after:deploy:deploy']!();

    expect(puts().map((input) => input.Key)).toEqual(['glue-scripts/preprocess.py', 'glue-scripts/preprocess_normalization.py', 'glue-scripts/preprocess_split.py']);
    expect(puts()[1]!.Body.toString()).toContain('NORMALIZATION_VERSION = "1"');
  });

  it('fails the deploy before CloudFormation runs when --extra-py-files names other objects than the modules uploaded', () => {
    const sources = ['glue_scripts/preprocess_normalization.py', 'glue_scripts/preprocess_split.py'];
    const { plugin } = setup('glue_scripts/preprocess.py', { sources, extraPyFiles: `${FOLDER}preprocess_normalization.py` });
    expect(() => plugin.hooks['before:deploy:deploy']!()).toThrow(
      `PreprocessJob: --extra-py-files is ${FOLDER}preprocess_normalization.py, but ml-pipeline:extra-py-files-source uploads ${FOLDER}preprocess_normalization.py,${FOLDER}preprocess_split.py`,
    );
    const { plugin: unset } = setup('glue_scripts/preprocess.py', { sources });
    expect(() => unset.hooks['before:deploy:deploy']!()).toThrow(/--extra-py-files is \(not set\)/);
  });

  it('fails the deploy before CloudFormation runs when the script or a module is missing', () => {
    const { plugin } = setup('glue_scripts/no-such-script.py');
    expect(() => plugin.hooks['before:deploy:deploy']!()).toThrow(
      `PreprocessJob: script glue_scripts/no-such-script.py not found under ${path.resolve(__dirname, '../../..')}`,
    );
    const { plugin: module } = setup('glue_scripts/preprocess.py', { sources: ['glue_scripts/gone.py'], extraPyFiles: `${FOLDER}gone.py` });
    expect(() => module.hooks['before:deploy:deploy']!()).toThrow(/script glue_scripts\/gone.py not found/);
  });
});
