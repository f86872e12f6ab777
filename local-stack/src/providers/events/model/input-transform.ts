/**
 * What a target receives: the whole event, or its `Input` (constant JSON), `InputPath` (a JSONPath
 * into the event) or `InputTransformer` (values picked by `InputPathsMap` placed into
 * `InputTemplate`), as EventBridge does.
 */
import type { EventBridgeEvent } from '../../../core/types';
import type { Target } from './types';

export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

export function targetPayload(target: Target, event: EventBridgeEvent, context: TransformContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(evaluatePath(event, target.InputPath) ?? null);
  if (target.InputTransformer !== undefined) return applyTemplate(target.InputTransformer.InputTemplate, target.InputTransformer.InputPathsMap ?? {}, event, context);
  return JSON.stringify(event);
}

/** A JSONPath with member and index steps: `$`, `$.detail.key`, `$.resources[0]`, `$['detail-type']`. */
export function evaluatePath(root: unknown, jsonPath: string): unknown {
  if (!jsonPath.startsWith('$')) throw new Error(`Invalid JSONPath ${jsonPath}: must start with $`);
  const stepPattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let value: unknown = root;
  let position = 1;
  while (position < jsonPath.length) {
    stepPattern.lastIndex = position;
    const step = stepPattern.exec(jsonPath);
    if (!step) throw new Error(`Invalid JSONPath ${jsonPath} at position ${position}`);
    position = stepPattern.lastIndex;
    const key = step[1] ?? step[3] ?? step[4];
    if (value === null || typeof value !== 'object') return undefined;
    value = key !== undefined ? (value as Record<string, unknown>)[key] : (value as unknown[])[Number(step[2])];
  }
  return value;
}

/**
 * Fills `<name>` placeholders. Inside a JSON string literal a value is inserted as string content;
 * elsewhere as a JSON value (strings quoted, missing values `null`).
 */
export function applyTemplate(template: string, pathsMap: Record<string, string>, event: EventBridgeEvent, context: TransformContext): string {
  const values = new Map<string, unknown>();
  for (const [name, jsonPath] of Object.entries(pathsMap)) values.set(name, evaluatePath(event, jsonPath));
  values.set('aws.events.rule-arn', context.ruleArn);
  values.set('aws.events.rule-name', context.ruleName);
  values.set('aws.events.event.ingestion-time', context.ingestionTime);
  values.set('aws.events.event', event);
  values.set('aws.events.event.json', event);

  let output = '';
  let insideString = false;
  for (let index = 0; index < template.length; index++) {
    const char = template[index]!;
    if (char === '\\' && insideString) {
      output += char + (template[index + 1] ?? '');
      index++;
      continue;
    }
    if (char === '"') insideString = !insideString;
    if (char === '<') {
      const end = template.indexOf('>', index);
      const name = end > index ? template.slice(index + 1, end) : '';
      if (values.has(name)) {
        const value = values.get(name);
        output += insideString ? asStringContent(value) : JSON.stringify(value ?? null);
        index = end;
        continue;
      }
    }
    output += char;
  }
  return output;
}

/**
 * A value inside a template's string, as EventBridge writes it (recorded in LocalStack's snapshot
 * test_input_transformer_nested_keys_replacement): a path that matches nothing is empty, an object or
 * array loses its quotes (`{acc_id:0a78,sf_id:baz}`, `[ACTIVE,INACTIVE]`).
 */
function asStringContent(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value).replaceAll('"', '') : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}
