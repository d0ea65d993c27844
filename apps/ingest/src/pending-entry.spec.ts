import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { faultOf } from '@scantrail/config';
import { MAX_KAFKA_HEADERS, pendingEntryOf, tooManyHeadersReason } from './pending-entry';

const KEY = Buffer.alloc(32, 7);

// An unforeseen fault of our own, set off by a message: pseudonymization throws.
jest.mock('@scantrail/contract', () => {
  const actual = jest.requireActual<typeof import('@scantrail/contract')>('@scantrail/contract');
  return {
    ...actual,
    pseudonymizeEvent: (event: { data: { description?: string } }, key: Buffer) => {
      if (event.data.description === 'sets off a fault')
        throw new RangeError('Invalid regular expression: /MRN-004211.../: Stack overflow');
      if (event.data.description === 'sets off a fault over lines')
        throw new TypeError('cannot read MRN-004211\n    at MRN-004211 (quoted.js:1:1)');
      return actual.pseudonymizeEvent(event as never, key);
    },
  };
});

describe('pendingEntryOf', () => {
  it('should prepare the entry of a valid event with its patient value pseudonymized', () => {
    const value = encodeEvent(
      cloudEvent('org.scantrail.study.registered', exampleData('org.scantrail.study.registered')),
    );
    const prepared = pendingEntryOf(value, KEY);
    expect('entry' in prepared).toBe(true);
    expect(JSON.stringify(prepared)).not.toContain('MRN-004211');
  });

  it('should refuse a message our own code fails on, with a reason that quotes nothing of it', () => {
    const value = encodeEvent(
      cloudEvent('org.scantrail.study.registered', {
        ...exampleData('org.scantrail.study.registered'),
        description: 'sets off a fault',
      }),
    );
    const prepared = pendingEntryOf(value, KEY);
    expect(prepared).toMatchObject({
      reason: 'unprocessable: preparing the ledger entry failed (RangeError)',
      fault: { type: 'RangeError' },
    });
    // Where it failed, for the operator's log: the frames down from the ingest's own code.
    const frames = 'fault' in prepared ? (prepared.fault?.frames ?? []) : [];
    expect(frames.some((f) => /\/apps\/ingest\/src\/pending-entry\.ts:\d+:\d+$/.test(f))).toBe(
      true,
    );
    expect(JSON.stringify(prepared)).not.toContain('MRN-004211');
  });

  it('should keep no line of an error message that imitates a stack frame', () => {
    const value = encodeEvent(
      cloudEvent('org.scantrail.study.registered', {
        ...exampleData('org.scantrail.study.registered'),
        description: 'sets off a fault over lines',
      }),
    );
    const prepared = pendingEntryOf(value, KEY);
    expect('fault' in prepared && prepared.fault?.type).toBe('TypeError');
    expect(JSON.stringify(prepared)).not.toContain('MRN-004211');
    expect('fault' in prepared && prepared.fault?.frames.length).toBeGreaterThan(0);
  });

  it('should keep no frame of an error whose message changed after the throw', () => {
    const error = new Error('first');
    void error.stack; // formatted with the first message
    error.message = 'now quoting MRN-004211\n    at MRN-004211 (x.js:1:1)';
    expect(faultOf(error)).toEqual({ type: 'Error', frames: [] });
    expect(faultOf('a string')).toEqual({ type: 'string', frames: [] });
  });

  it('should keep nothing of the content from a message shortened after the throw, a stack extended by hand or a function named by data', () => {
    const shortened = new Error(
      `abc\n    at MRN-004211 (${__filename}:1:1)\n    at MRN-004211 (x.js:1:1)`,
    );
    void shortened.stack;
    shortened.message = 'abc';
    const extended = new Error('outer');
    extended.stack += '\nCaused by: Error: MRN-004211\n    at MRN-004211 (x.js:1:1)';
    const named = { ['MRN-004211']: () => faultOf(new TypeError('x')) };
    const viaName = named['MRN-004211']();
    for (const fault of [faultOf(shortened), faultOf(extended), viaName]) {
      expect(JSON.stringify(fault)).not.toContain('MRN-004211');
    }
    expect(faultOf(extended).frames).toEqual([]);
    // A real frame of a named function: its place, not its name.
    expect(viaName.frames[0]).toMatch(/pending-entry\.spec\.ts:\d+:\d+$/);
  });

  it('should never throw, whatever the error carries', () => {
    const odd = new Error('x');
    Object.defineProperty(odd, 'stack', { value: 42 });
    const hostileName = new Error('y');
    Object.defineProperty(hostileName, 'name', {
      get() {
        throw new Error('no');
      },
    });
    const withSymbol = new Error('z');
    Object.defineProperty(withSymbol, 'name', { value: Symbol('s') });
    const longName = new Error('w');
    longName.name = 'MRN 004211 in a name';
    expect(faultOf(odd)).toEqual({ type: 'Error', frames: [] });
    expect(faultOf(hostileName)).toEqual({ type: 'Error', frames: [] });
    expect(faultOf(withSymbol)).toEqual({ type: 'Error', frames: [] });
    expect(faultOf(longName).type).toBe('Error');
  });

  it('should refuse as too large an event whose free text, redacted, no entry could hold', () => {
    const value = encodeEvent(
      cloudEvent('org.scantrail.study.registered', {
        ...exampleData('org.scantrail.study.registered'),
        patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value: 'a' },
        description: 'a '.repeat(40_000),
      }),
    );
    const prepared = pendingEntryOf(value, KEY);
    expect('reason' in prepared && prepared.reason).toMatch(/^too_large: /);
  });
});

describe('tooManyHeadersReason', () => {
  it('should let a record through when it has up to MAX_KAFKA_HEADERS headers', () => {
    expect([0, 1, MAX_KAFKA_HEADERS].map(tooManyHeadersReason)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('should refuse a record with more headers, naming their count and the most taken', () => {
    expect(tooManyHeadersReason(40_000)).toBe(
      `too_many_headers: the record carries 40000 Kafka headers, more than ${MAX_KAFKA_HEADERS}; the ledger reads only the value, so send the event with fewer headers`,
    );
    expect(tooManyHeadersReason(MAX_KAFKA_HEADERS + 1)).toMatch(/^too_many_headers: /);
  });
});
