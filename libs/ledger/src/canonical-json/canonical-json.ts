// RFC 8785 JSON Canonicalization Scheme. Written here rather than taken from the
// `canonicalize` package, which ships only as an ES module and cannot be loaded by this
// repository's CommonJS build and Jest setup.
//
// JCS serializes primitives exactly as ECMAScript JSON.stringify does (numbers by
// Number::toString, strings with the minimal JSON escapes and lowercase \u00XX), so those
// are delegated to it; what JCS adds is member order by UTF-16 code units, no whitespace,
// and errors for values that JSON cannot carry faithfully.

/** Returns the RFC 8785 canonical JSON text of `value`; throws TypeError on non-JSON data. */
export function canonicalJson(value: unknown): string {
  const text = serialize(value, '', new Set<object>(), []);
  if (text === undefined) {
    throw new TypeError(`canonicalJson: ${typeof value} has no JSON representation`);
  }
  return text;
}

// Returns undefined for values JSON.stringify drops (undefined, functions, symbols).
/** The JSON path of the value being serialized, built only when an error names it. */
type PathStack = (string | number)[];
const pathOf = (stack: PathStack): string =>
  '$' + stack.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');

function serialize(
  input: unknown,
  key: string,
  ancestors: Set<object>,
  stack: PathStack,
): string | undefined {
  let value = input;
  // Dates and other objects with toJSON serialize as JSON.stringify would serialize them.
  if (value !== null && typeof value === 'object' && hasToJson(value)) {
    value = value.toJSON(key);
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) {
    value = value.valueOf();
  }
  switch (typeof value) {
    case 'string':
      return serializeString(value, stack);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(
          `canonicalJson: ${String(value)} at ${pathOf(stack)} is not a JSON number`,
        );
      }
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError(
        `canonicalJson: bigint at ${pathOf(stack)} has no exact JSON number form`,
      );
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) {
    return 'null';
  }
  if (ancestors.has(value)) {
    throw new TypeError(`canonicalJson: circular reference at ${pathOf(stack)}`);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = (value as unknown[]).map((item, i) => {
        stack.push(i);
        const text = serialize(item, String(i), ancestors, stack) ?? 'null';
        stack.pop();
        return text;
      });
      return `[${items.join(',')}]`;
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is the order RFC 8785 3.2.3 requires.
    const members: string[] = [];
    for (const name of Object.keys(record).sort()) {
      stack.push(name);
      const member = serialize(record[name], name, ancestors, stack);
      stack.pop();
      if (member !== undefined) {
        members.push(`${serializeString(name, stack)}:${member}`);
      }
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

function serializeString(text: string, stack: PathStack): string {
  // A lone surrogate half has no UTF-8 encoding (RFC 8785 3.2.2.2).
  // isWellFormed (ES2024, Node 20) is far cheaper than a /\p{Surrogate}/u test.
  if (!text.isWellFormed()) {
    throw new TypeError(`canonicalJson: string at ${pathOf(stack)} contains a lone surrogate`);
  }
  return JSON.stringify(text);
}

function hasToJson(value: object): value is { toJSON: (key: string) => unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
