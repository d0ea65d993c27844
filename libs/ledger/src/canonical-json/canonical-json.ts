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
  try {
    const quick = plainJson(value, 0);
    if (quick !== undefined) return quick;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
  }
  // Anything the quick pass does not settle gets the full serialization below, which
  // gives the same text for plain JSON data and the precise error for everything else.
  const text = serialize(value, '', new Set<object>(), []);
  if (text === undefined) {
    throw new TypeError(`canonicalJson: ${typeof value} has no JSON representation`);
  }
  return text;
}

/** Thrown by plainJson when a value needs the full serialization (or its error). */
// One preallocated instance: thrown often enough that a stack trace each time would show.
const NOT_PLAIN = new Error('canonicalJson: not plain JSON data');
/** Nesting the quick pass follows before it leaves the value to the full serialization. */
const PLAIN_DEPTH = 64;

/**
 * The canonical text of plain JSON data (what JSON.parse gives: plain objects, arrays,
 * well-formed strings, finite numbers, booleans, null), in one pass without the error
 * bookkeeping of `serialize`: ledger leaf data is all of this kind. Throws NOT_PLAIN on
 * anything else (toJSON, boxed primitives, class instances, holes, lone surrogates,
 * non-finite numbers, bigint, deep nesting that may be a cycle); undefined for a value
 * JSON drops.
 */
function plainJson(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return plainString(value);
    case 'number':
      if (!Number.isFinite(value)) throw NOT_PLAIN;
      // Number::toString, as JSON.stringify writes a finite number (-0 as 0).
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      throw NOT_PLAIN;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth > PLAIN_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    throw NOT_PLAIN;
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined && !(i in value)) throw NOT_PLAIN;
      if (i > 0) text += ',';
      text += plainJson(item, depth + 1) ?? 'null';
    }
    return text + ']';
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw NOT_PLAIN;
  const record = value as Record<string, unknown>;
  const names = Object.keys(record);
  sortNames(names);
  let text = '{';
  for (const name of names) {
    const member = plainJson(record[name], depth + 1);
    if (member === undefined) continue;
    if (text.length > 1) text += ',';
    text += memberName(name) + member;
  }
  return text + '}';
}

/**
 * Sorts member names by UTF-16 code units (`<` on strings), the order RFC 8785 3.2.3
 * requires, in place: an insertion sort, as objects have few members and those are often
 * sorted already; Array.prototype.sort allocates work space on every call.
 */
/** Members an object may have for the insertion sort; more take Array.prototype.sort. */
const INSERTION_SORT_MAX = 32;

function sortNames(names: string[]): void {
  // Quadratic at worst: an object with many members (a hostile one has thousands) takes the
  // library sort, which compares UTF-16 code units the same way.
  if (names.length > INSERTION_SORT_MAX) {
    names.sort();
    return;
  }
  for (let i = 1; i < names.length; i++) {
    const name = names[i];
    if (names[i - 1] < name) continue;
    let j = i - 1;
    for (; j >= 0 && names[j] > name; j--) names[j + 1] = names[j];
    names[j + 1] = name;
  }
}

/** `"name":` of member names seen before (a bounded cache: data repeats its member names). */
const memberNames = new Map<string, string>();
const MEMBER_NAMES_KEPT = 4096;
const MEMBER_NAME_CACHED_LENGTH = 64;

/** A member name as plainString writes it, then the colon. Throws NOT_PLAIN as it does. */
function memberName(name: string): string {
  const known = memberNames.get(name);
  if (known !== undefined) return known;
  const text = plainString(name) + ':';
  if (name.length <= MEMBER_NAME_CACHED_LENGTH && memberNames.size < MEMBER_NAMES_KEPT) {
    memberNames.set(name, text);
  }
  return text;
}

/**
 * A string as JSON.stringify writes it. Most need no escape at all (no quote, backslash,
 * control character or surrogate), and a loop over their code units costs less than a
 * call into JSON.stringify; the rest go to JSON.stringify, after the lone-surrogate check.
 */
function plainString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      if (!text.isWellFormed()) throw NOT_PLAIN;
      return JSON.stringify(text);
    }
  }
  return '"' + text + '"';
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
