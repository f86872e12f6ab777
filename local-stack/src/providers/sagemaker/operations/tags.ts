/** AddTags / ListTags / DeleteTags on training jobs, models, endpoint configs and endpoints, by ARN. */
import { z } from 'zod';
import { validationException } from '../errors';
import type { Tag, Taggable } from '../model/record-store';
import { listPage } from './listing';
import { parseInput } from './validation';
import type { SageMakerOperation } from './context';

export type TaggableLookup = (name: string) => Taggable | undefined;

const MAX_TAGS = 50;
const ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:([a-z-]+)\/(.+)$/;
const arnInput = z.string().min(1).max(256).regex(ARN);

const addInput = z.looseObject({
  ResourceArn: arnInput,
  Tags: z.array(z.looseObject({ Key: z.string().min(1).max(128), Value: z.string().max(256).optional() })).max(MAX_TAGS),
});
const listInput = z.looseObject({ ResourceArn: arnInput, MaxResults: z.number().int().min(50).max(100).optional(), NextToken: z.string().optional() });
const deleteInput = z.looseObject({ ResourceArn: arnInput, TagKeys: z.array(z.string().min(1).max(128)).min(1).max(MAX_TAGS) });

export class ResourceTags {
  /** `lookups` by the ARN's resource type (`training-job`, `model`, `endpoint-config`, `endpoint`). */
  constructor(private readonly lookups: Readonly<Record<string, TaggableLookup>>) {}

  async add(input: unknown): Promise<{ Tags: Tag[] }> {
    const request = parseInput(addInput, input);
    const resource = this.resolve(request.ResourceArn);
    for (const tag of request.Tags) {
      const existing = resource.tags.find((candidate) => candidate.Key === tag.Key);
      if (existing) existing.Value = tag.Value ?? '';
      else resource.tags.push({ Key: tag.Key, Value: tag.Value ?? '' });
    }
    if (resource.tags.length > MAX_TAGS) throw validationException(`A resource can have at most ${MAX_TAGS} tags.`);
    await resource.save();
    return { Tags: request.Tags.map((tag) => ({ Key: tag.Key, Value: tag.Value ?? '' })) };
  }

  list(input: unknown): { Tags: Tag[]; NextToken?: string } {
    const request = parseInput(listInput, input);
    const tags = this.resolve(request.ResourceArn).tags.map((tag, index) => ({ tag, name: tag.Key, creationTime: index }));
    const { page, nextToken } = listPage(tags, { SortOrder: 'Ascending', MaxResults: request.MaxResults ?? 50, NextToken: request.NextToken });
    return { Tags: page.map(({ tag }) => ({ Key: tag.Key, Value: tag.Value ?? '' })), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
  }

  async delete(input: unknown): Promise<Record<string, never>> {
    const request = parseInput(deleteInput, input);
    const resource = this.resolve(request.ResourceArn);
    const remaining = resource.tags.filter((tag) => !request.TagKeys.includes(tag.Key));
    resource.tags.splice(0, resource.tags.length, ...remaining);
    await resource.save();
    return {};
  }

  private resolve(arn: string): Taggable {
    const [, type, name] = ARN.exec(arn)!;
    const resource = this.lookups[type!]?.(name!);
    if (!resource) throw validationException(`Could not find resource "${arn}".`);
    return resource;
  }
}

export const TAG_OPERATIONS: Record<string, SageMakerOperation> = {
  AddTags: ({ tags }, input) => tags.add(input),
  ListTags: ({ tags }, input) => tags.list(input),
  DeleteTags: ({ tags }, input) => tags.delete(input),
};
