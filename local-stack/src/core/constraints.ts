/**
 * Request constraints as AWS's service models state them (botocore's service-2.json: min, max,
 * pattern, required) and the message AWS's front end (Coral) answers when they fail:
 * `1 validation error detected: Value 'x' at 'member.path' failed to satisfy constraint: Member must ...`,
 * several joined with `; `.
 */

export interface ConstraintRules {
  required?: boolean;
  /** Length of a string, value of a number. */
  min?: number;
  max?: number;
  /** Anchored test of the value; `patternText` is the model's pattern, as AWS quotes it. */
  pattern?: RegExp;
  patternText?: string;
  /** The model's enum (`Member must satisfy enum value set: [A, B]`). */
  enum?: readonly string[];
}

export interface ConstraintViolation {
  value: unknown;
  path: string;
  constraint: string;
}

/** Adds the value's violations of the rules (pattern before length, as AWS lists them). */
export function checkConstraint(violations: ConstraintViolation[], value: unknown, path: string, rules: ConstraintRules): void {
  if (value === undefined || value === null) {
    if (rules.required) violations.push({ value: null, path, constraint: 'Member must not be null' });
    return;
  }
  if (typeof value === 'number') {
    if (rules.min !== undefined && value < rules.min) violations.push({ value, path, constraint: `Member must have value greater than or equal to ${rules.min}` });
    if (rules.max !== undefined && value > rules.max) violations.push({ value, path, constraint: `Member must have value less than or equal to ${rules.max}` });
    return;
  }
  const text = String(value);
  if (rules.enum && !rules.enum.includes(text)) violations.push({ value: text, path, constraint: `Member must satisfy enum value set: [${rules.enum.join(', ')}]` });
  if (rules.pattern && !rules.pattern.test(text)) violations.push({ value: text, path, constraint: `Member must satisfy regular expression pattern: ${rules.patternText}` });
  if (rules.min !== undefined && text.length < rules.min) violations.push({ value: text, path, constraint: `Member must have length greater than or equal to ${rules.min}` });
  if (rules.max !== undefined && text.length > rules.max) violations.push({ value: text, path, constraint: `Member must have length less than or equal to ${rules.max}` });
}

/** AWS's message for the violations. */
export function validationMessage(violations: readonly ConstraintViolation[]): string {
  const count = violations.length === 1 ? '1 validation error detected' : `${violations.length} validation errors detected`;
  const parts = violations.map(({ value, path, constraint }) => `Value ${value === null ? 'null' : `'${String(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`);
  return `${count}: ${parts.join('; ')}`;
}

/** The violations of several members' rules, in the order given. */
export function constraintViolations(members: ReadonlyArray<[value: unknown, path: string, rules: ConstraintRules]>): ConstraintViolation[] {
  const violations: ConstraintViolation[] = [];
  for (const [value, path, rules] of members) checkConstraint(violations, value, path, rules);
  return violations;
}
