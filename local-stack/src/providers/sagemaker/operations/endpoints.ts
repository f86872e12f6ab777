/** CreateEndpoint / UpdateEndpoint / DescribeEndpoint / ListEndpoints / DeleteEndpoint. */
import { z } from 'zod';
import { describeEndpoint, type EndpointRecord } from '../model/endpoints';
import type { SageMakerOperation } from './context';
import { listByStatusInput, listResponse, type Listing } from './listing';
import { parseInput, resourceName, tagList } from './validation';

const createInput = z.looseObject({ EndpointName: resourceName, EndpointConfigName: resourceName, Tags: tagList });
const updateInput = z.looseObject({ EndpointName: resourceName, EndpointConfigName: resourceName });
const nameInput = z.looseObject({ EndpointName: resourceName });
const listInput = listByStatusInput(['OutOfService', 'Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'InService', 'Deleting', 'Failed', 'UpdateRollbackFailed']);

const ENDPOINT_LISTING: Listing<EndpointRecord> = { member: 'Endpoints', nameField: 'EndpointName', statusField: 'EndpointStatus', summaryFields: ['EndpointName', 'EndpointArn', 'CreationTime', 'LastModifiedTime', 'EndpointStatus'] };

export const ENDPOINT_OPERATIONS: Record<string, SageMakerOperation> = {
  CreateEndpoint: async ({ endpoints }, input, { region, accountId }) => ({
    EndpointArn: await endpoints.create(parseInput(createInput, input), region, accountId),
  }),

  UpdateEndpoint: async ({ endpoints }, input, { region, accountId }) => ({
    EndpointArn: await endpoints.update(parseInput(updateInput, input), region, accountId),
  }),

  DescribeEndpoint: ({ endpoints }, input, { region, accountId }) =>
    describeEndpoint(endpoints.records.require(parseInput(nameInput, input).EndpointName, region, accountId), 'seconds'),

  ListEndpoints: ({ endpoints }, input) => listResponse(endpoints.records.all(), parseInput(listInput, input), ENDPOINT_LISTING),

  DeleteEndpoint: async ({ endpoints }, input, { region, accountId }) => {
    await endpoints.delete(parseInput(nameInput, input).EndpointName, region, accountId);
    return {};
  },
};
