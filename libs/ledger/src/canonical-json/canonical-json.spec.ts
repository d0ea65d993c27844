import fc from 'fast-check';
import { canonicalJson } from './canonical-json';

// Test data of the RFC 8785 reference implementation (cyberphone/json-canonicalization,
// testdata/input and testdata/output), written with JS escapes so every code point is visible.
const referenceVectors: { name: string; input: string; expected: string }[] = [
  {
    name: 'arrays',
    input: '[\n  56,\n  {\n    "d": true,\n    "10": null,\n    "1": [ ]\n  }\n]',
    expected: '[56,{"1":[],"10":null,"d":true}]',
  },
  {
    name: 'french',
    input:
      '{\n  "peach": "This sorting order",\n  "p\u00e9ch\u00e9": "is wrong according to French",\n' +
      '  "p\u00eache": "but canonicalization MUST",\n  "sin":   "ingnore locale"\n}\n',
    expected:
      '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French",' +
      '"p\u00eache":"but canonicalization MUST","sin":"ingnore locale"}',
  },
  {
    name: 'structures',
    input:
      '{\n  "1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0},\n  "10": { },\n  "": "empty",\n' +
      '  "a": { },\n  "111": [ { } ],\n  "A": { }\n}',
    expected: '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}',
  },
  {
    name: 'unicode',
    input: '{\n  "Unnormalized Unicode":"\\u1e0d\\u0307"\n}\n',
    expected: '{"Unnormalized Unicode":"\u1e0d\u0307"}',
  },
  {
    name: 'values',
    input:
      '{\n  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],\n' +
      '  "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n' +
      '  "literals": [null, true, false]\n}',
    expected:
      '{"escaping":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],' +
      '"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}',
  },
  {
    name: 'weird',
    input:
      '{\n  "\\u20ac": "Euro Sign",\n  "1": "One",\n  "\\u0080": "Control\\u007f",\n' +
      '  "\\ud83d\\ude02": "Smiley",\n  "\\u00f6": "Latin Small Letter O With Diaeresis",\n' +
      '  "\\ufb33": "Hebrew Letter Dalet With Dagesh",\n  "</script>": "Browser Challenge"\n}\n',
    expected:
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f",' +
      '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley",' +
      '"\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  },
  {
    name: 'simpleString',
    input: '    "this is a test string 1235"',
    expected: '"this is a test string 1235"',
  },
];

// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical serialization.
const numberVectors: [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];

function doubleFromHex(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonicalJson', () => {
  it.each(referenceVectors)(
    'should match the RFC 8785 reference output when given the $name test file',
    ({ input, expected }) => {
      expect(canonicalJson(JSON.parse(input))).toBe(expected);
    },
  );

  it.each(numberVectors)(
    'should serialize the double %s as %s when it is an RFC 8785 Appendix B sample',
    (hex, expected) => {
      expect(canonicalJson(doubleFromHex(hex))).toBe(expected);
      expect(canonicalJson([doubleFromHex(hex)])).toBe(`[${expected}]`);
    },
  );

  it.each([
    ['NaN', doubleFromHex('7fffffffffffffff')],
    ['Infinity', doubleFromHex('7ff0000000000000')],
    ['-Infinity', -Infinity],
  ])('should throw when the input holds %s', (_label, value) => {
    expect(() => canonicalJson({ a: value })).toThrow(TypeError);
  });

  it.each([
    ['\u0000', '"\\u0000"'],
    ['\u0008\u0009\u000a\u000c\u000d', '"\\b\\t\\n\\f\\r"'],
    ['\u000b\u001f', '"\\u000b\\u001f"'],
    ['"\\', '"\\"\\\\"'],
    ['/', '"/"'],
    ['\u007f\u2028\u2029', '"\u007f\u2028\u2029"'],
    ['\ud83d\ude02', '"\ud83d\ude02"'],
  ])('should escape only what RFC 8785 requires when the string is %j', (input, expected) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  it('should order keys by UTF-16 code units when code point order differs', () => {
    // U+1F602 is encoded as D83D DE02, which sorts before U+FB33 in UTF-16 but not by code point.
    expect(canonicalJson({ '\ufb33': 1, '\ud83d\ude02': 2, '\u00e9': 3, e: 4, E: 5 })).toBe(
      '{"E":5,"e":4,"\u00e9":3,"\ud83d\ude02":2,"\ufb33":1}',
    );
  });

  it.each([
    ['a lone high surrogate value', { a: '\ud800' }],
    ['a lone low surrogate key', { '\udc00': 1 }],
    ['a bigint', { a: 1n }],
    ['undefined at the top level', undefined],
    ['a function at the top level', () => 1],
  ])('should throw a TypeError when the input has %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('should throw when the input is circular', () => {
    const looped: Record<string, unknown> = { a: 1 };
    looped.self = { back: looped };
    expect(() => canonicalJson(looped)).toThrow(/circular/);
  });

  it('should accept the same object twice when it is shared but not circular', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ b: shared, a: [shared, shared] })).toBe(
      '{"a":[{"x":1},{"x":1}],"b":{"x":1}}',
    );
  });

  it('should drop and null out values like JSON.stringify when they have no JSON form', () => {
    expect(canonicalJson({ b: undefined, a: [undefined, () => 1], c: Symbol('s') })).toBe(
      '{"a":[null,null]}',
    );
  });

  it('should use toJSON and unwrap boxed primitives when objects provide them', () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    const boxed = { n: new Number(5), s: new String('x'), t: new Boolean(true) };
    expect(canonicalJson({ when, ...boxed })).toBe(
      '{"n":5,"s":"x","t":true,"when":"2024-01-02T03:04:05.006Z"}',
    );
  });

  it('should write -0 as 0 and keep integers plain when numbers are integral', () => {
    expect(canonicalJson([-0, 0, 1, -1, 1e21, 1e20, 123456789012])).toBe(
      '[0,0,1,-1,1e+21,100000000000000000000,123456789012]',
    );
  });

  it('should be a fixed point of parse-then-canonicalize when given any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(text).not.toMatch(/^\s|\s$/);
      }),
      { numRuns: 200 },
    );
  });

  it('should sort member names by UTF-16 code units the same way when they were seen before', () => {
    // Names sort in place (an insertion sort) and their quoted form is kept once seen: the
    // oracle sorts with Array.prototype.sort and quotes with JSON.stringify every time.
    const name = fc.string({
      unit: fc.constantFrom('a', 'b', 'B', '1', '10', '"', '\n', 'é', '😀'),
    });
    const oracle = (r: Record<string, string>): string =>
      '{' +
      Object.keys(r)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${JSON.stringify(r[k])}`)
        .join(',') +
      '}';
    fc.assert(
      fc.property(fc.dictionary(name, fc.string(), { maxKeys: 12 }), (record) => {
        expect(canonicalJson(record)).toBe(oracle(record));
        expect(canonicalJson(record)).toBe(oracle(record));
        expect(canonicalJson({ nested: [record, record] })).toBe(
          `{"nested":[${oracle(record)},${oracle(record)}]}`,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('should sort an object of 5,000 members (past the insertion sort) by UTF-16 code units', () => {
    const names = Array.from({ length: 5_000 }, (_, i) => `m${(i * 7919) % 5_000}\u00e9${i % 3}`);
    const value = Object.fromEntries(names.map((name, i) => [name, i]));
    const sorted = Object.keys(value).sort();
    expect(canonicalJson(value)).toBe(
      `{${sorted.map((name) => `${JSON.stringify(name)}:${value[name]}`).join(',')}}`,
    );
  });

  it('should not depend on key insertion order when objects have the same members', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
      { numRuns: 100 },
    );
  });
});
