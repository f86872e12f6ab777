/**
 * CloudFormation templates as the engine reads them: parsing and validation (with AWS's messages),
 * parameter values (declared types, defaults, constraints, UsePreviousValue), conditions, the
 * capabilities IAM resources require, and the order resources are created in.
 */
import { AwsError } from '../../../core/types';
import type { CfnResource, CfnTemplate } from '../../../deploy/templates';
import { resolveIntrinsics, type IntrinsicContext } from '../../../deploy/intrinsics';

export interface ParameterDeclaration {
  Type: string;
  Default?: unknown;
  Description?: string;
  NoEcho?: boolean | string;
  AllowedValues?: unknown[];
  AllowedPattern?: string;
  MinValue?: number | string;
  MaxValue?: number | string;
  MinLength?: number | string;
  MaxLength?: number | string;
  ConstraintDescription?: string;
}

export interface ParsedTemplate extends CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Parameters?: Record<string, ParameterDeclaration>;
}

/** A parameter as the API passes it. */
export interface ParameterInput {
  ParameterKey: string;
  ParameterValue?: string;
  UsePreviousValue?: boolean;
}

const TOP_LEVEL_KEYS = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const PARAMETER_TYPES = /^(String|Number|List<Number>|CommaDelimitedList)$/;
const LOGICAL_ID = /^[A-Za-z0-9]+$/;
/** The template body limit of a TemplateBody parameter (a TemplateURL allows 1 MB). */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;
export const MAX_TEMPLATE_URL_BYTES = 1_000_000;

export function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

/** Parses and validates a template body (JSON). */
export function parseTemplate(body: string): ParsedTemplate {
  let template: unknown;
  try {
    template = JSON.parse(body);
  } catch (error) {
    const yamlLike = !body.trimStart().startsWith('{');
    throw validationError(
      yamlLike
        ? 'Template format error: the local stack reads JSON templates only (convert YAML with `cfn-flip` or `yq -o json`)'
        : `Template format error: JSON not well-formed. (${(error as Error).message})`,
    );
  }
  if (template === null || typeof template !== 'object' || Array.isArray(template)) throw validationError('Template format error: JSON not well-formed.');
  validateTemplate(template as ParsedTemplate);
  return template as ParsedTemplate;
}

function validateTemplate(template: ParsedTemplate): void {
  const unknown = Object.keys(template).filter((key) => !TOP_LEVEL_KEYS.has(key));
  if (unknown.length > 0) throw validationError(`Template format error: Invalid template property or properties [${unknown.join(', ')}]`);
  if (template.Transform !== undefined) throw validationError('Template format error: the local stack does not run template macros (Transform)');
  const resources = template.Resources;
  if (!resources || typeof resources !== 'object' || Object.keys(resources).length === 0) {
    throw validationError('Template format error: At least one Resources member must be defined.');
  }
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!LOGICAL_ID.test(logicalId)) throw validationError(`Template format error: Resource name ${logicalId} is non alphanumeric.`);
    if (!resource || typeof resource !== 'object' || typeof resource.Type !== 'string') {
      throw validationError(`Template format error: [/Resources/${logicalId}] Every Resources object must contain a Type member.`);
    }
    const unknownKeys = Object.keys(resource).filter((key) => !RESOURCE_KEYS.has(key));
    if (unknownKeys.length > 0) throw validationError(`Template format error: Unrecognized resource attribute [${unknownKeys.join(', ')}] in resource ${logicalId}`);
    if (resource.Condition !== undefined && !(template.Conditions && resource.Condition in template.Conditions)) {
      throw validationError(`Template format error: Unresolved dependencies [${resource.Condition}]. Cannot reference resources in the Conditions block of the template`);
    }
  }
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    if (!LOGICAL_ID.test(name)) throw validationError(`Template format error: Parameter name ${name} is non alphanumeric.`);
    if (!parameter || typeof parameter.Type !== 'string') throw validationError(`Template format error: Every Parameters object must contain a Type member.`);
    if (!PARAMETER_TYPES.test(parameter.Type)) {
      throw validationError(`Template format error: Unrecognized parameter type: ${parameter.Type} (the local stack supports String, Number, List<Number> and CommaDelimitedList)`);
    }
    if (name in resources) throw validationError(`Template format error: Parameter ${name} has the name of a resource`);
  }
  const known = new Set([...Object.keys(resources), ...Object.keys(template.Parameters ?? {})]);
  const unresolved = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof item === 'string' && !item.startsWith('AWS::') && !known.has(item)) unresolved.add(item);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(item) ? item[0] : String(item).split('.')[0];
        if (typeof target === 'string' && !(target in resources)) unresolved.add(target);
      } else walk(item);
    }
  };
  for (const resource of Object.values(resources)) {
    walk(resource.Properties ?? {});
    for (const dependency of [resource.DependsOn ?? []].flat()) if (!(dependency in resources)) unresolved.add(dependency);
  }
  walk(template.Outputs ?? {});
  if (unresolved.size > 0) throw validationError(`Template format error: Unresolved resource dependencies [${[...unresolved].sort().join(', ')}] in the Resources block of the template`);
  deploymentOrder(resources);
}

/**
 * The parameter values a create or update runs with: passed values, previous values (UsePreviousValue),
 * then defaults, each checked against its declaration, as CloudFormation does before it starts.
 */
export function resolveParameters(template: ParsedTemplate, inputs: readonly ParameterInput[], previous?: Record<string, string>): Record<string, string> {
  const declared = template.Parameters ?? {};
  const undeclared = inputs.map((input) => input.ParameterKey).filter((key) => !(key in declared));
  if (undeclared.length > 0) throw validationError(`Parameters: [${undeclared.join(', ')}] do not exist in the template`);
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, declaration] of Object.entries(declared)) {
    const input = inputs.find((candidate) => candidate.ParameterKey === name);
    let value: string | undefined;
    if (input?.UsePreviousValue) {
      if (!previous || !(name in previous)) throw validationError(`Invalid input for parameter key ${name}. Cannot specify usePreviousValue as true for a parameter key not in the previous template`);
      value = previous[name];
    } else if (input?.ParameterValue !== undefined) {
      value = input.ParameterValue;
    } else if (declaration.Default !== undefined) {
      value = Array.isArray(declaration.Default) ? declaration.Default.join(',') : String(declaration.Default);
    }
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    checkParameter(name, declaration, value);
    values[name] = value;
  }
  if (missing.length > 0) throw validationError(`Parameters: [${missing.join(', ')}] must have values`);
  return values;
}

function checkParameter(name: string, declaration: ParameterDeclaration, value: string): void {
  const fail = (reason: string) => validationError(`Parameter '${name}' ${declaration.ConstraintDescription ?? reason}`);
  const items = declaration.Type === 'String' || declaration.Type === 'Number' ? [value] : value.split(',');
  for (const item of items) {
    if (declaration.AllowedValues && !declaration.AllowedValues.map(String).includes(item)) throw fail(`must be one of AllowedValues`);
    if (declaration.AllowedPattern !== undefined && !new RegExp(`^(?:${declaration.AllowedPattern})$`).test(item)) throw fail(`must match pattern ${declaration.AllowedPattern}`);
    if (declaration.Type === 'Number' || declaration.Type === 'List<Number>') {
      const number = Number(item);
      if (item.trim() === '' || !Number.isFinite(number)) throw fail('must be a number');
      if (declaration.MinValue !== undefined && number < Number(declaration.MinValue)) throw fail(`must be a number not less than ${declaration.MinValue}`);
      if (declaration.MaxValue !== undefined && number > Number(declaration.MaxValue)) throw fail(`must be a number not greater than ${declaration.MaxValue}`);
    }
  }
  if (declaration.MinLength !== undefined && value.length < Number(declaration.MinLength)) throw fail(`must contain at least ${declaration.MinLength} characters`);
  if (declaration.MaxLength !== undefined && value.length > Number(declaration.MaxLength)) throw fail(`must contain at most ${declaration.MaxLength} characters`);
}

/** What a Ref to each parameter resolves to: a string, or a list for list types. */
export function parameterRefValues(template: ParsedTemplate, values: Record<string, string>): Record<string, unknown> {
  const refs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const type = template.Parameters?.[name]?.Type ?? 'String';
    refs[name] = type === 'CommaDelimitedList' || type.startsWith('List<') ? value.split(',') : value;
  }
  return refs;
}

export function isNoEcho(declaration: ParameterDeclaration | undefined): boolean {
  return declaration?.NoEcho === true || declaration?.NoEcho === 'true';
}

/** Every condition of the template, true or false (conditions may name each other with `{"Condition": ...}`). */
export function evaluateConditions(template: ParsedTemplate, context: IntrinsicContext): Record<string, boolean> {
  const definitions = (template.Conditions ?? {}) as Record<string, unknown>;
  const results: Record<string, boolean> = {};
  const evaluating = new Set<string>();
  const named = (name: string): boolean => {
    if (name in results) return results[name]!;
    if (!(name in definitions)) throw validationError(`Template error: unresolved condition dependency ${name}`);
    if (evaluating.has(name)) throw validationError(`Template error: circular condition dependency ${name}`);
    evaluating.add(name);
    results[name] = evaluate(definitions[name]);
    evaluating.delete(name);
    return results[name]!;
  };
  const evaluate = (value: unknown): boolean => {
    if (typeof value === 'boolean') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw validationError(`Template error: a condition must be an intrinsic function, not ${JSON.stringify(value)}`);
    const [[name, argument]] = Object.entries(value as Record<string, unknown>) as [[string, unknown]];
    const items = argument as unknown[];
    switch (name) {
      case 'Condition':
        return named(String(argument));
      case 'Fn::Not':
        return !evaluate(items[0]);
      case 'Fn::And':
        return items.every(evaluate);
      case 'Fn::Or':
        return items.some(evaluate);
      case 'Fn::Equals': {
        const [left, right] = items.map((item) => resolveIntrinsics(item, context));
        return String(left) === String(right);
      }
      default:
        throw validationError(`Template error: ${name} cannot be used in a condition`);
    }
  };
  for (const name of Object.keys(definitions)) named(name);
  return results;
}

/** The capabilities a template needs: CAPABILITY_NAMED_IAM when an IAM resource has a custom name. */
export function requiredCapabilities(template: ParsedTemplate): { capabilities: string[]; reason?: string } {
  const iam = Object.entries(template.Resources).filter(([, resource]) => resource.Type.startsWith('AWS::IAM::'));
  if (iam.length === 0) return { capabilities: [] };
  const named = iam.filter(([, resource]) => ['RoleName', 'UserName', 'GroupName', 'ManagedPolicyName', 'InstanceProfileName'].some((key) => resource.Properties?.[key] !== undefined));
  if (named.length > 0) return { capabilities: ['CAPABILITY_NAMED_IAM'], reason: `The following resource(s) require capabilities: [${named.map(([, resource]) => resource.Type).join(', ')}]` };
  return { capabilities: ['CAPABILITY_IAM'], reason: `The following resource(s) require capabilities: [${[...new Set(iam.map(([, resource]) => resource.Type))].join(', ')}]` };
}

export function checkCapabilities(template: ParsedTemplate, granted: readonly string[]): void {
  const { capabilities } = requiredCapabilities(template);
  const satisfied = capabilities.every((capability) => granted.includes(capability) || (capability === 'CAPABILITY_IAM' && granted.includes('CAPABILITY_NAMED_IAM')));
  if (!satisfied) throw new AwsError('InsufficientCapabilitiesException', `Requires capabilities : [${capabilities.join(', ')}]`, 400);
}

/** Logical ids ordered so every resource comes after those it references (Ref, GetAtt, Sub, DependsOn). */
export function deploymentOrder(resources: Record<string, CfnResource>): string[] {
  const ids = Object.keys(resources);
  const dependencies = new Map(ids.map((id) => [id, referencedIds(resources[id]!, ids)]));
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      throw validationError(`Circular dependency between resources: [${[...new Set(cycle)].sort().join(', ')}]`);
    }
    state.set(id, 'visiting');
    for (const dependency of [...dependencies.get(id)!].sort()) visit(dependency, [...trail, id]);
    state.set(id, 'done');
    ordered.push(id);
  };
  for (const id of [...ids].sort()) visit(id, []);
  return ordered;
}

/** The resources one resource depends on: what it references and what it names in DependsOn. */
export function referencedIds(resource: CfnResource, ids: readonly string[]): Set<string> {
  const known = new Set(ids);
  const found = new Set<string>([resource.DependsOn ?? []].flat().filter((id) => known.has(id)));
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof item === 'string' && known.has(item)) found.add(item);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(item) ? item[0] : String(item).split('.')[0];
        if (typeof target === 'string' && known.has(target)) found.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(item) ? String(item[0]) : String(item);
        for (const match of text.matchAll(/\$\{([^}!.]+)(?:\.[^}]*)?\}/g)) if (known.has(match[1]!)) found.add(match[1]!);
        if (Array.isArray(item)) walk(item[1]);
      } else walk(item);
    }
  };
  walk(resource.Properties ?? {});
  return found;
}

/** Template text, its keys in a stable order, for "did anything change" comparisons. */
export function canonicalJson(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item === null || typeof item !== 'object') return item;
    return Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, child]) => [key, sort(child)]));
  };
  return JSON.stringify(sort(value));
}
