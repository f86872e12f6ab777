import { createRequire } from 'node:module';
import path from 'node:path';

interface Plugin {
  hooks: Record<string, () => unknown>;
}
type PluginClass = new (serverless: unknown, options: unknown, utils: { log: { notice: (message: string) => void } }) => Plugin;
const GlueScriptPlugin = createRequire(__filename)('./glue-script.js') as PluginClass;

class ServerlessError extends Error {}

const FOLDER = 's3://data-${AWS::AccountId}-${AWS::Region}/glue-scripts/';

function setup(scriptSource: string, modules: { sources: string[]; extraPyFiles?: string } = { sources: [] }) {
  const request = jest.fn().mockResolvedValue({});
  const provider = { request, getRegion: () => 'eu-west-1', getAccountId: jest.fn().mockResolvedValue('123456789012') };
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
  return { plugin, request, notices };
}

describe('glue-script plugin', () => {
  it('uploads the script the job names to its ScriptLocation after the deploy', async () => {
    const { plugin, request, notices } = setup('services/ingestion/plugins/glue-script.js');
    await plugin.hooks['before:deploy:deploy']!();
    await plugin.hooks['after:deploy:deploy']!();

    expect(request).toHaveBeenCalledTimes(1);
    expect(request).toHaveBeenCalledWith('S3', 'putObject', {
      Bucket: 'data-123456789012-eu-west-1',
      Key: 'glue-scripts/preprocess.py',
      Body: expect.any(Buffer),
      ContentType: 'text/x-python',
    });
    const body = (request.mock.calls[0] as unknown[])[2] as { Body: Buffer };
    expect(body.Body.toString()).toContain('class GlueScriptPlugin');
    expect(notices).toEqual([`Glue script services/ingestion/plugins/glue-script.js uploaded to s3://data-123456789012-eu-west-1/glue-scripts/preprocess.py`]);
  });

  it('uploads the modules --extra-py-files names beside the script', async () => {
    const sources = ['glue_scripts/preprocess_normalization.py', 'glue_scripts/preprocess_split.py'];
    const extraPyFiles = `${FOLDER}preprocess_normalization.py,${FOLDER}preprocess_split.py`;
    const { plugin, request } = setup('glue_scripts/preprocess.py', { sources, extraPyFiles });
    await plugin.hooks['before:deploy:deploy']!();
    await plugin.hooks['after:deploy:deploy']!();

    expect(request.mock.calls.map((call) => (call as [string, string, { Key: string }])[2].Key)).toEqual([
      'glue-scripts/preprocess.py',
      'glue-scripts/preprocess_normalization.py',
      'glue-scripts/preprocess_split.py',
    ]);
    const module = (request.mock.calls[1] as unknown[])[2] as { Body: Buffer };
    expect(module.Body.toString()).toContain('NORMALIZATION_VERSION = "1"');
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
