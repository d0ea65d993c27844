import fc from 'fast-check';
import { scanJsonStructure } from './json-structure.scanner';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// Strings JSON.parse accepts but the scanner refuses on purpose (not storable in PostgreSQL).
function hasUnstorableString(text: string): boolean {
  return /\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]/.test(
    text,
  );
}

describe('scanJsonStructure', () => {
  it.each([
    '{}',
    '[]',
    ' {"a" : [1, -2.5e+3, 0, 0.1, true, false, null, "x\\n\\u00e9\\ud83d\\ude00"]} ',
    '"just a string"',
    '-0',
    '{"a":{"b":{"c":{}}},"d":[[[]]]}',
    '{"a":1,"b":{"a":2}}',
    '[{"a":1},{"a":1}]',
  ])('should accept %s when it is valid JSON without duplicates', (text) => {
    expect(scanJsonStructure(text, 64)).toBeUndefined();
  });

  it.each([
    ['', 'not_json'],
    ['   ', 'not_json'],
    ['{"a":1', 'not_json'],
    ['{"a" 1}', 'not_json'],
    ['{a:1}', 'not_json'],
    ['[1,]', 'not_json'],
    ['[1 2]', 'not_json'],
    ['01', 'not_json'],
    ['1.', 'not_json'],
    ['.5', 'not_json'],
    ['1e', 'not_json'],
    ['+1', 'not_json'],
    ['"\\x41"', 'not_json'],
    ['"\\u12G4"', 'not_json'],
    ['"abc', 'not_json'],
    ['nul', 'not_json'],
    ['{} {}', 'not_json'],
    ['{"a":1,"a":1}', 'duplicate_key'],
    ['[[[1]]]', 'ok at depth 3'],
    ['[[[[1]]]]', 'too_deep'],
  ])('should classify %j as %s', (text, expected) => {
    const problem = scanJsonStructure(text, 3);
    if (expected.startsWith('ok')) expect(problem).toBeUndefined();
    else expect(problem?.category).toBe(expected);
  });

  it('should report the path of the first duplicate when keys repeat', () => {
    expect(scanJsonStructure('{"x":[0,{"y":1,"z":2,"y":3}]}', 64)).toEqual({
      category: 'duplicate_key',
      detail: '$.x[1].y',
    });
  });

  it('should withhold member names under patient when a duplicate is reported there', () => {
    expect(scanJsonStructure('{"data":{"patient":{"MRN-1":1,"MRN-1":2}}}', 64)?.detail).toBe(
      '$.data.patient["<withheld>"]',
    );
    expect(scanJsonStructure('{"data":{"patient":{"value":1,"value":2}}}', 64)?.detail).toBe(
      '$.data.patient.value',
    );
  });

  it('should not quote string content when reporting a syntax error', () => {
    const problem = scanJsonStructure('{"a":"MRN-123456"x}', 64);
    expect(problem?.category).toBe('not_json');
    expect(problem?.detail).not.toContain('MRN');
    expect(problem?.detail).toBe("expected ',' or '}' at position 17, found a letter or digit");
  });

  it('should survive a 100k-deep value when given one', () => {
    expect(scanJsonStructure('['.repeat(100_000), 64)?.category).toBe('too_deep');
  });

  it('should accept exactly what JSON.parse accepts when given serialized JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value, null, Math.random() < 0.5 ? 0 : 2);
        const problem = scanJsonStructure(text, 64);
        if (hasUnstorableString(text)) expect(problem?.category).toBe('not_json');
        else expect(problem).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('should never accept text that JSON.parse refuses when given near-JSON noise', () => {
    const alphabet = fc.constantFrom(
      ...'{}[]:,"\\ 0123456789.-+eEtrufalsn\\u'.split(''),
      'true',
      'null',
      '"a"',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const problem = scanJsonStructure(text, 64);
        if (problem === undefined) expect(parses(text)).toBe(true);
        else if (problem.category === 'not_json' && parses(text)) {
          expect(hasUnstorableString(text)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
