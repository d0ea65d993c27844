import { MAX_VARIABLE_DEPTH, variablesRefusal } from './operation-shape';

/** `depth` lists around `inner`. */
function nested(depth: number, inner: unknown = 'x'): unknown {
  let value = inner;
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}

describe('variablesRefusal', () => {
  it('should accept variables nested up to the limit and refuse one level more', () => {
    expect(variablesRefusal({ a: nested(MAX_VARIABLE_DEPTH) })).toBeUndefined();
    expect(variablesRefusal({ a: nested(MAX_VARIABLE_DEPTH + 1) })).toEqual({ kind: 'too-deep' });
  });

  it('should count objects as levels too', () => {
    let value: unknown = 'x';
    for (let i = 0; i <= MAX_VARIABLE_DEPTH; i += 1) value = { v: value };
    expect(variablesRefusal({ p: value })).toEqual({ kind: 'too-deep' });
  });

  it('should walk a body-sized nesting without exhausting the call stack', () => {
    expect(variablesRefusal({ a: nested(200_000) })).toEqual({ kind: 'too-deep' });
  });

  it('should name the first string holding a NUL, in document order', () => {
    expect(
      variablesRefusal({
        clean: { system: 's', value: 'v' },
        p: { system: 's', value: ['ok', 'a\u0000b'] },
        q: 'c\u0000',
      }),
    ).toEqual({ kind: 'nul', path: '$p.value[1]' });
  });

  it('should accept ordinary variables', () => {
    expect(
      variablesRefusal({ p: { system: 'urn:mrn', value: 'v' }, first: 50, after: null }),
    ).toBeUndefined();
  });
});
