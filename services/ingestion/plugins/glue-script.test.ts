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

function setup(scriptSource: string) {
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
              Metadata: { 'ml-pipeline:script-source': scriptSource },
              Properties: {
                Command: { ScriptLocation: { 'Fn::Sub': 's3://data-${AWS::AccountId}-${AWS::Region}/glue-scripts/preprocess.py' } },
              },
            },
          },
        },
      },
    },
  };
  const notices: string[] = [];
  const plugin = new GlueScriptPlugin(serverless, {}, { log: { notice: (message) => notices.push(message) } });
  return { plugin, getAwsSdkV3Config, notices };
}

describe('glue-script plugin', () => {
  it('uploads the script the job names to its ScriptLocation after the deploy', async () => {
    const { plugin, getAwsSdkV3Config, notices } = setup('services/ingestion/plugins/glue-script.js');
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
    const body = s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as Buffer;
    expect(body.toString()).toContain('class GlueScriptPlugin');
    expect(notices).toEqual([`Glue script services/ingestion/plugins/glue-script.js uploaded to s3://data-123456789012-eu-west-1/glue-scripts/preprocess.py`]);
  });

  it('fails the deploy before CloudFormation runs when the script is missing', () => {
    const { plugin } = setup('glue_scripts/no-such-script.py');
    expect(() => plugin.hooks['before:deploy:deploy']!()).toThrow(
      `PreprocessJob: script glue_scripts/no-such-script.py not found under ${path.resolve(__dirname, '../../..')}`,
    );
  });
});
