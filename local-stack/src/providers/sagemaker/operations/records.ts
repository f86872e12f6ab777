/**
 * The four operations of a kind of resource the model keeps as plain records, created whole and
 * never changed (models, endpoint configs): `Create<Kind>`, `Describe<Kind>`, `List<Kind>s` (by name
 * or creation time) and `Delete<Kind>`, which leaves the endpoints deployed from it running, as on
 * SageMaker. The request and response members follow SageMaker's naming: `<Kind>Name`, `<Kind>Arn`.
 */
import { z } from 'zod';
import type { RecordStore, Tag } from '../model/record-store';
import type { SageMakerModel, SageMakerOperation } from './context';
import { listByNameInput, listResponse, type Listing } from './listing';
import { echoedMembers, parseInput, resourceName } from './validation';

export interface RecordKind<T extends { Tags: Tag[]; CreationTime: number }, Request> {
  resources(sagemaker: SageMakerModel): {
    records: RecordStore<T>;
    /** Returns the new resource's ARN. */
    create(request: Request, definition: Record<string, unknown>, region: string, accountId: string): Promise<string>;
  };
  createInput: z.ZodType<Request & Record<string, unknown>>;
  /** Members of the Create* request that Describe* returns as they were given. */
  echoedMembers: readonly string[];
  describe(record: T): Record<string, unknown>;
}

export function recordOperations<T extends { Tags: Tag[]; CreationTime: number }, Request>(
  kind: string,
  spec: RecordKind<T, Request>,
): Record<string, SageMakerOperation> {
  const nameMember = `${kind}Name` as keyof T & string;
  const arnMember = `${kind}Arn` as keyof T & string;
  const nameInput = z.looseObject({ [nameMember]: resourceName });
  const named = (input: unknown): string => parseInput(nameInput, input)[nameMember] as string;
  const listing: Listing<T> = { member: `${kind}s`, nameField: nameMember, summaryFields: [nameMember, arnMember, 'CreationTime' as keyof T & string] };
  return {
    [`Create${kind}`]: async (sagemaker, input, { region, accountId }) => {
      const request = parseInput(spec.createInput, input);
      return { [arnMember]: await spec.resources(sagemaker).create(request, echoedMembers(request, spec.echoedMembers), region, accountId) };
    },
    [`Describe${kind}`]: (sagemaker, input, { region, accountId }) => spec.describe(spec.resources(sagemaker).records.require(named(input), region, accountId)),
    [`List${kind}s`]: (sagemaker, input) => listResponse(spec.resources(sagemaker).records.all(), parseInput(listByNameInput, input), listing),
    [`Delete${kind}`]: async (sagemaker, input, { region, accountId }) => {
      const name = named(input);
      const { records } = spec.resources(sagemaker);
      records.require(name, region, accountId);
      await records.delete(name);
      return {};
    },
  };
}
