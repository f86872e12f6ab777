import { createRequire } from 'node:module';
import path from 'node:path';

interface Plugin {
  hooks: Record<string, () => unknown>;
}
type PluginClass = new (serverless: unknown, options: unknown, utils: { log: { notice: (message: string) => void } }) => Plugin;
const GlueScriptPlugin = createRequire(__filename)('./glue-script.js') as PluginClass;

class ServerlessError extends Error {}

function setup(scriptSource: string) {
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

  it('fails the deploy before CloudFormation runs when the script is missing', () => {
    const { plugin } = setup('glue_scripts/no-such-script.py');
    expect(() => plugin.hooks['before:deploy:deploy']!()).toThrow(
      `PreprocessJob: script glue_scripts/no-such-script.py not found under ${path.resolve(__dirname, '../../..')}`,
    );
  });
});
