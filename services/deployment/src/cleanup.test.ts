import { DeleteModelCommand, ListEndpointConfigsCommand, ListModelsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cleanUpOldVersions, namesToDelete } from './cleanup';

describe('namesToDelete', () => {
  it('keeps the newest and the protected names', () => {
    expect(namesToDelete(['e', 'd', 'c', 'b', 'a'], 2, new Set(['a']))).toEqual(['c', 'b']);
    expect(namesToDelete(['b', 'a'], 3, new Set())).toEqual([]);
  });
});

describe('cleanUpOldVersions', () => {
  const sagemaker = mockClient(SageMakerClient);
  beforeEach(() => sagemaker.reset());

  it('follows every page and leaves names that only contain the prefix alone', async () => {
    sagemaker
      .on(ListEndpointConfigsCommand)
      .resolvesOnce({ EndpointConfigs: [{ EndpointConfigName: 'mlp-dev-3', EndpointConfigArn: 'a', CreationTime: new Date() }], NextToken: 't' })
      .resolvesOnce({ EndpointConfigs: [{ EndpointConfigName: 'xmlp-dev-2', EndpointConfigArn: 'a', CreationTime: new Date() }] });
    sagemaker.on(ListModelsCommand).resolves({
      Models: ['mlp-dev-3', 'mlp-dev-2', 'mlp-dev-1'].map((name) => ({ ModelName: name, ModelArn: 'a', CreationTime: new Date() })),
    });

    const result = await cleanUpOldVersions(new SageMakerClient({ region: 'us-east-1' }), { prefix: 'mlp-dev-', keep: 1, inUse: new Set(['mlp-dev-1']) });

    expect(sagemaker).toHaveReceivedNthCommandWith(2, ListEndpointConfigsCommand, { NextToken: 't' });
    expect(result).toEqual({ deletedEndpointConfigs: [], deletedModels: ['mlp-dev-2'], keptModels: ['mlp-dev-3', 'mlp-dev-1'] });
    expect(sagemaker).toHaveReceivedCommandTimes(DeleteModelCommand, 1);
  });

  it('fails on an error other than "not found"', async () => {
    sagemaker.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: [] });
    sagemaker.on(ListModelsCommand).resolves({ Models: ['mlp-dev-2', 'mlp-dev-1'].map((name) => ({ ModelName: name, ModelArn: 'a', CreationTime: new Date() })) });
    sagemaker.on(DeleteModelCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    await expect(
      cleanUpOldVersions(new SageMakerClient({ region: 'us-east-1' }), { prefix: 'mlp-dev-', keep: 1, inUse: new Set() }),
    ).rejects.toThrow('not authorized');
  });
});
