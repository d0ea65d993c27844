// One linear, non-recursive pass over JSON text before JSON.parse sees it. It finds what
// JSON.parse cannot report or cannot survive: nesting deep enough to exhaust the stack,
// duplicate member names (JSON.parse keeps the last one silently), and strings PostgreSQL
// cannot store (U+0000 and unpaired surrogates, refused by I-JSON, RFC 7493). Its own
// syntax messages carry positions, never a snippet of the input, because V8's do quote
// the text around the error, which may hold a patient identifier.

export type JsonScanCategory = 'not_json' | 'too_deep' | 'duplicate_key';

export interface JsonScanProblem {
  category: JsonScanCategory;
  detail: string;
}

interface Frame {
  isObject: boolean;
  keys: Set<string> | undefined;
  key: string;
  index: number;
}

type Mode = 'value' | 'key' | 'after';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const MAX_KEY_SHOWN = 64;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

class JsonSyntaxProblem extends Error {}

function syntax(detail: string): JsonSyntaxProblem {
  return new JsonSyntaxProblem(detail);
}

function describeFound(text: string, i: number): string {
  if (i >= text.length) return 'end of input';
  const ch = text[i];
  // Punctuation is safe to name; a letter or digit could be part of an identifier.
  if (/^[!-/:-@[-`{-~]$/.test(ch)) return `'${ch}'`;
  return /^[A-Za-z0-9]$/.test(ch) ? 'a letter or digit' : 'another character';
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i++;
  return i;
}

/** Returns the index after the closing quote; `i` is at the opening quote. */
function scanString(text: string, i: number): number {
  const start = i;
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) throw syntax(`unescaped control character in string at position ${i}`);
    if (c !== 0x5c) {
      i++;
      continue;
    }
    const e = text.charCodeAt(i + 1);
    if (e === 0x75) {
      const unit = readUnicodeEscape(text, i);
      if (unit === 0) throw syntax(`string contains U+0000 (\\u0000) at position ${i}`);
      if (unit >= 0xdc00 && unit <= 0xdfff) {
        throw syntax(`unpaired surrogate escape at position ${i}`);
      }
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const low = text.charCodeAt(i + 6) === 0x5c && text.charCodeAt(i + 7) === 0x75;
        const next = low ? readUnicodeEscape(text, i + 6) : -1;
        if (next < 0xdc00 || next > 0xdfff) {
          throw syntax(`unpaired surrogate escape at position ${i}`);
        }
        i += 12;
      } else {
        i += 6;
      }
      continue;
    }
    // " \ / b f n r t
    if (
      e === 0x22 ||
      e === 0x5c ||
      e === 0x2f ||
      e === 0x62 ||
      e === 0x66 ||
      e === 0x6e ||
      e === 0x72 ||
      e === 0x74
    ) {
      i += 2;
      continue;
    }
    throw syntax(`invalid escape in string at position ${i}`);
  }
  throw syntax(`unterminated string starting at position ${start}`);
}

function readUnicodeEscape(text: string, i: number): number {
  for (let k = 2; k < 6; k++) {
    if (!isHex(text.charCodeAt(i + k))) throw syntax(`invalid \\u escape at position ${i}`);
  }
  return parseInt(text.slice(i + 2, i + 6), 16);
}

function scanNumber(text: string, i: number): number {
  const start = i;
  if (text.charCodeAt(i) === 0x2d) i++;
  if (text.charCodeAt(i) === 0x30) {
    i++;
  } else if (isDigit(text.charCodeAt(i))) {
    while (isDigit(text.charCodeAt(i))) i++;
  } else {
    throw syntax(`invalid number at position ${start}`);
  }
  if (text.charCodeAt(i) === 0x2e) {
    i++;
    if (!isDigit(text.charCodeAt(i))) throw syntax(`invalid number at position ${start}`);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    if (!isDigit(text.charCodeAt(i))) throw syntax(`invalid number at position ${start}`);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

function scanLiteral(text: string, i: number): number {
  for (const word of ['true', 'false', 'null']) {
    if (text.startsWith(word, i)) return i + word.length;
  }
  throw syntax(`expected a JSON value at position ${i}, found ${describeFound(text, i)}`);
}

function decodeKey(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  // Escapes are rare in member names; the slice is already validated JSON.
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

function renderPath(stack: readonly Frame[], lastKey: string): string {
  let path = '$';
  let underPatient = false;
  const segment = (key: string): string => {
    // Under `patient` only the contract's own member names are shown: another name there
    // could itself be an identifier.
    const shown = underPatient && key !== 'system' && key !== 'value' ? '<withheld>' : key;
    if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(shown)) return `.${shown}`;
    const cut = shown.length > MAX_KEY_SHOWN ? `${shown.slice(0, MAX_KEY_SHOWN)}...` : shown;
    return `[${JSON.stringify(cut)}]`;
  };
  for (let d = 0; d < stack.length - 1; d++) {
    const frame = stack[d];
    if (frame.isObject) {
      path += segment(frame.key);
      if (frame.key === 'patient') underPatient = true;
    } else {
      path += `[${frame.index}]`;
    }
  }
  return path + segment(lastKey);
}

/**
 * Checks JSON text for syntax (RFC 8259), depth, duplicate member names and unstorable
 * strings. Returns the first problem, or undefined when JSON.parse may safely run.
 */
export function scanJsonStructure(text: string, maxDepth: number): JsonScanProblem | undefined {
  const stack: Frame[] = [];
  let i = skipWhitespace(text, 0);
  let mode: Mode = 'value';
  try {
    for (;;) {
      if (mode === 'value') {
        const c = text.charCodeAt(i);
        if (c === 0x7b || c === 0x5b) {
          if (stack.length >= maxDepth) {
            return {
              category: 'too_deep',
              detail: `nesting exceeds ${maxDepth} levels at position ${i}`,
            };
          }
          const isObject = c === 0x7b;
          stack.push({ isObject, keys: isObject ? new Set() : undefined, key: '', index: 0 });
          i = skipWhitespace(text, i + 1);
          if (text.charCodeAt(i) === (isObject ? 0x7d : 0x5d)) {
            stack.pop();
            i++;
            mode = 'after';
          } else {
            mode = isObject ? 'key' : 'value';
          }
          continue;
        }
        if (c === 0x22) i = scanString(text, i);
        else if (c === 0x2d || isDigit(c)) i = scanNumber(text, i);
        else i = scanLiteral(text, i);
        mode = 'after';
        continue;
      }
      if (mode === 'key') {
        if (text.charCodeAt(i) !== 0x22) {
          throw syntax(`expected a member name at position ${i}, found ${describeFound(text, i)}`);
        }
        const end = scanString(text, i);
        const key = decodeKey(text, i, end);
        const frame = stack[stack.length - 1];
        if (frame.keys?.has(key)) {
          return { category: 'duplicate_key', detail: renderPath(stack, key) };
        }
        frame.keys?.add(key);
        frame.key = key;
        i = skipWhitespace(text, end);
        if (text.charCodeAt(i) !== 0x3a) {
          throw syntax(`expected ':' at position ${i}, found ${describeFound(text, i)}`);
        }
        i = skipWhitespace(text, i + 1);
        mode = 'value';
        continue;
      }
      // After a value: a separator, a closing bracket, or the end.
      i = skipWhitespace(text, i);
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        if (i < text.length) throw syntax(`unexpected data after the JSON value at position ${i}`);
        return undefined;
      }
      const c = text.charCodeAt(i);
      if (c === 0x2c) {
        i = skipWhitespace(text, i + 1);
        if (frame.isObject) {
          mode = 'key';
        } else {
          frame.index++;
          mode = 'value';
        }
      } else if (c === (frame.isObject ? 0x7d : 0x5d)) {
        stack.pop();
        i++;
      } else {
        const wanted = frame.isObject ? "',' or '}'" : "',' or ']'";
        throw syntax(`expected ${wanted} at position ${i}, found ${describeFound(text, i)}`);
      }
    }
  } catch (error: unknown) {
    if (error instanceof JsonSyntaxProblem) return { category: 'not_json', detail: error.message };
    throw error;
  }
}
