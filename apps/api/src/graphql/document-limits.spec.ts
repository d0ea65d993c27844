import { documentRefusal, lexicalRefusal, MAX_DOCUMENT_NESTING } from './document-limits';

const limits = { maxTokens: 200, maxAliases: 3, maxRootFields: 4, maxFieldRepeats: 3 };
const aliased = (n: number): string =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: ledger { checkpoint }`).join(' ')} }`;

describe('documentRefusal', () => {
  it.each([
    ['three aliases', aliased(3)],
    [
      'arguments, variables and object values',
      'query($p: P = {system: "s", value: "v"}) { a: x(p: $p, q: {r: 1}) { b } }',
    ],
    ['four root fields', '{ a b c d }'],
    ['a syntax error (left to Apollo)', '{ a: '],
    ['a field three times in one selection', '{ a { b b b c } }'],
    [
      'a fragment spread in three selections',
      '{ a { ...F } b { ...F } c { ...F } } fragment F on T { x y }',
    ],
  ])('should let %s through', (_name, source) => {
    expect(documentRefusal(source, limits)).toBeUndefined();
  });

  it.each([
    ['four aliases', aliased(4), /more than 3 aliases; the limit is 3/],
    [
      'aliases repeated by fragments',
      '{ ...F ...F } fragment F on Q { a: x b: y }',
      /4 aliases; the limit is 3/,
    ],
    ['five root fields', '{ a b c d e }', /5 root fields; the limit is 4/],
    [
      'a field four times in one selection',
      '{ a { b b b b } }',
      /repeats one field 4 times in a selection \(fragments expanded\); the limit is 3/,
    ],
    [
      'a field repeated by fragment spreads and inline fragments',
      '{ a { b ...F ... on T { b ...F } } } fragment F on T { b }',
      /repeats one field 4 times/,
    ],
    [
      'a fragment spread four times',
      '{ a { ...F ...F ...F ...F } } fragment F on T { x }',
      /4 times/,
    ],
    ['too many tokens', `{ ${'a '.repeat(300)}}`, /more than 200 tokens; the limit is 200/],
    ['a NUL in a literal', '{ study(uid: "x\\u0000") { a } }', /NUL character/],
  ])('should refuse %s', (_name, source, message) => {
    expect(documentRefusal(source, limits)).toMatch(message);
  });

  it('should refuse nesting past the limit with its reason, before graphql-js parses it', () => {
    const wide = { ...limits, maxTokens: 100_000 };
    const list = (depth: number): string =>
      `{ a(x: ${'['.repeat(depth)}1${']'.repeat(depth)}) { b } }`;
    // The selection's brace and the arguments' parenthesis are two levels.
    expect(documentRefusal(list(MAX_DOCUMENT_NESTING - 2), wide)).toBeUndefined();
    const deeper = `nests braces, brackets or parentheses deeper than ${MAX_DOCUMENT_NESTING} levels`;
    expect(documentRefusal(list(MAX_DOCUMENT_NESTING - 1), wide)).toBe(`query ${deeper}`);
    expect(documentRefusal(list(3_000), wide)).toBe(`query ${deeper}`);
    expect(documentRefusal(`${'{ a '.repeat(70)}${'}'.repeat(70)}`, wide)).toBe(`query ${deeper}`);
  });

  it('should stop scanning at the first limit crossed', () => {
    // Past the fourth alias nothing is read: a broken tail does not matter.
    expect(lexicalRefusal(`${aliased(4).slice(0, -1)} ${'} '.repeat(1000)}`, limits)).toMatch(
      /aliases/,
    );
  });
});
