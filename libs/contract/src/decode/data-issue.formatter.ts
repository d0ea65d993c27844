// Turns zod issues into short reasons for the quarantine. Messages are built here from the
// issue's kind and the schema's expectations, never from the input: zod's own messages
// may quote the offending value, and under `patient` that value is an identifier.
import type { z } from 'zod';

const MAX_ISSUES_SHOWN = 3;
const MAX_NAME_SHOWN = 64;

function describeType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  const kind = typeof input;
  return kind === 'object' ? 'an object' : `a ${kind}`;
}

function withArticle(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function quoteName(name: string): string {
  return JSON.stringify(
    name.length > MAX_NAME_SHOWN ? `${name.slice(0, MAX_NAME_SHOWN)}...` : name,
  );
}

/** Per-parse zod error map whose messages never include the input value. */
export const contractErrorMap: z.core.$ZodErrorMap = (issue) => {
  // A missing member reaches its schema as undefined, whatever that schema checks.
  if (issue.input === undefined && issue.code !== 'unrecognized_keys') return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${withArticle(issue.expected)}, got ${describeType(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') {
        return Number(issue.minimum) <= 1
          ? 'must not be empty (a list, when present, has at least one item)'
          : `must have at least ${issue.minimum} items`;
      }
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`;
      }
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have at most ${issue.maximum} items`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map(quoteName).join(', ')}`;
    case 'invalid_format':
      return `must match the format ${issue.format}`;
    case 'invalid_union':
      return 'does not match any allowed form';
    default:
      return 'is invalid';
  }
};

function renderPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part)) out += `.${part}`;
    else out += `[${quoteName(String(part))}]`;
  }
  return out;
}

function messageOf(issue: z.core.$ZodIssue): string {
  // An unknown member name under `patient` could itself be the identifier.
  if (issue.code === 'unrecognized_keys' && issue.path.includes('patient')) {
    return `unknown field${issue.keys.length === 1 ? '' : 's'} (names withheld under patient)`;
  }
  return issue.message;
}

/** "data.vendorId: is required; data.role: must be one of ... (+2 more)" */
export function formatIssues(root: string, issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues
    .slice(0, MAX_ISSUES_SHOWN)
    .map((issue) => `${renderPath(root, issue.path)}: ${messageOf(issue)}`);
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('; ')} (+${more} more)` : shown.join('; ');
}
