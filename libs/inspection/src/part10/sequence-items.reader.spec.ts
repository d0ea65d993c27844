import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Part10ReadError, readPart10Header } from './part10-header.reader';
import { assertDcmjsAsCopied, installedDcmjs, withDcmjsItemReader } from './sequence-items.reader';

const PYDICOM = join(__dirname, '../../test-data/pydicom');

/** A transfer syntax: a real file's meta group naming it, and how its elements are written. */
interface Syntax {
  name: string;
  meta: Buffer;
  little: boolean;
  explicit: boolean;
}
const syntaxOf = (file: string, little: boolean, explicit: boolean): Syntax => {
  const source = readFileSync(join(PYDICOM, file));
  return {
    name: file,
    meta: source.subarray(0, 132 + 12 + source.readUInt32LE(132 + 8)),
    little,
    explicit,
  };
};
const SYNTAXES = [
  syntaxOf('CT_small.dcm', true, true),
  syntaxOf('MR_small_bigendian.dcm', false, true),
  syntaxOf('MR_small_implicit.dcm', true, false),
];
const UNDEFINED = 0xffffffff;

/** What a data set holds; lengths undefined or defined. */
type Node =
  | { kind: 'text'; element: number; bytes: number[] }
  | { kind: 'sequence'; element: number; undefinedLength: boolean; items: Item[] };
interface Item {
  undefinedLength: boolean;
  nodes: Node[];
}

/** An element's or item's header: tag, VR (explicit, not for items), length. */
function head(syntax: Syntax, tag: number, vr: string | null, length: number): Buffer {
  const explicit = syntax.explicit && vr !== null;
  const long = !explicit || ['SQ', 'OB', 'OW', 'UN'].includes(vr);
  const bytes = Buffer.alloc(explicit ? (long ? 12 : 8) : 8);
  const u16 = (value: number, at: number) =>
    syntax.little ? bytes.writeUInt16LE(value, at) : bytes.writeUInt16BE(value, at);
  const u32 = (value: number, at: number) =>
    syntax.little ? bytes.writeUInt32LE(value, at) : bytes.writeUInt32BE(value, at);
  u16(tag >>> 16, 0);
  u16(tag & 0xffff, 2);
  if (!explicit) u32(length, 4);
  else {
    bytes.write(vr, 4, 'latin1');
    if (long) u32(length, 8);
    else u16(length, 6);
  }
  return bytes;
}

function encode(syntax: Syntax, nodes: Node[]): Buffer {
  return Buffer.concat(
    nodes.map((node) => {
      // Private group 0011: LO texts (any length, odd ones too) and SQ, by element number.
      const tag = 0x00111000 + node.element;
      if (node.kind === 'text') {
        return Buffer.concat([head(syntax, tag, 'LO', node.bytes.length), Buffer.from(node.bytes)]);
      }
      const items = node.items.map((item) => {
        const body = encode(syntax, item.nodes);
        return item.undefinedLength
          ? Buffer.concat([
              head(syntax, 0xfffee000, null, UNDEFINED),
              body,
              head(syntax, 0xfffee00d, null, 0),
            ])
          : Buffer.concat([head(syntax, 0xfffee000, null, body.length), body]);
      });
      const value = Buffer.concat(items);
      return node.undefinedLength
        ? Buffer.concat([
            head(syntax, tag, 'SQ', UNDEFINED),
            value,
            head(syntax, 0xfffee0dd, null, 0),
          ])
        : Buffer.concat([head(syntax, tag, 'SQ', value.length), value]);
    }),
  );
}

// Text bytes lean on the delimiters' bytes, so that a word scan may take a value for one.
const textByte = fc.oneof(
  fc.constantFrom(0xfe, 0xff, 0x0d, 0xe0, 0x00, 0xdd),
  fc.integer({ min: 0x20, max: 0x7e }),
);
const { nodes } = fc.letrec<{ nodes: Node[]; node: Node; item: Item }>((tie) => ({
  nodes: fc.array(tie('node'), { maxLength: 3 }),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({
      kind: fc.constant('text' as const),
      element: fc.integer({ min: 0, max: 0xff }),
      bytes: fc.array(textByte, { maxLength: 12 }),
    }),
    fc.record({
      kind: fc.constant('sequence' as const),
      element: fc.integer({ min: 0, max: 0xff }),
      undefinedLength: fc.boolean(),
      items: fc.array(tie('item'), { maxLength: 3 }),
    }),
  ),
  item: fc.record({ undefinedLength: fc.boolean(), nodes: tie('nodes') }),
}));

/** The data set read, or the failure a reader gave; thrown errors that are not ours too. */
function outcomeOf(file: Uint8Array): unknown {
  try {
    return { dataset: readPart10Header(file).dataset };
  } catch (error) {
    if (error instanceof Part10ReadError) return { failure: error.failure };
    return { thrown: String(error) };
  }
}

describe('sequence-items.reader', () => {
  it.each(SYNTAXES)(
    "should read every header as dcmjs's own item reader does, whatever its lengths and values ($name's syntax)",
    (syntax) => {
      fc.assert(
        fc.property(nodes, (dataSet) => {
          const file = new Uint8Array(
            Buffer.concat([
              syntax.meta,
              encode(syntax, dataSet),
              head(syntax, 0x7fe00010, 'OB', 0), // Pixel Data
            ]),
          );
          expect(outcomeOf(file)).toEqual(withDcmjsItemReader(() => outcomeOf(file)));
        }),
        { numRuns: 1000 },
      );
    },
  );

  /** An encapsulated value: its tag, VR, whether it has an offset table, its fragments. */
  const encapsulatedValue = fc.record({
    // Private, Encapsulated Document (OB) and a sequence written as UN (read again as SQ).
    tag: fc.constantFrom(0x00111010, 0x00420011, 0x00082218),
    vr: fc.constantFrom('OB', 'OW', 'UN'),
    table: fc.boolean(),
    fragments: fc.array(
      fc
        .array(textByte, { maxLength: 6 })
        .map((bytes) => (bytes.length % 2 ? [...bytes, 0] : bytes)),
      { maxLength: 4 },
    ),
    inItem: fc.boolean(),
  });

  /** The value encoded: a table of one entry a fragment (as writers index frames), or none. */
  function encodeEncapsulated(
    syntax: Syntax,
    value: { tag: number; vr: string; table: boolean; fragments: number[][] },
  ): Buffer {
    const offsets: number[] = [];
    const fragments = value.fragments.map((bytes) => {
      offsets.push(
        offsets.length === 0
          ? 0
          : offsets[offsets.length - 1] + 8 + value.fragments[offsets.length - 1].length,
      );
      return Buffer.concat([head(syntax, 0xfffee000, null, bytes.length), Buffer.from(bytes)]);
    });
    const table = Buffer.alloc(value.table ? 4 * offsets.length : 0);
    if (value.table) {
      offsets.forEach((offset, i) =>
        syntax.little ? table.writeUInt32LE(offset, 4 * i) : table.writeUInt32BE(offset, 4 * i),
      );
    }
    return Buffer.concat([
      head(syntax, value.tag, value.vr, UNDEFINED),
      head(syntax, 0xfffee000, null, table.length),
      table,
      ...fragments,
      head(syntax, 0xfffee0dd, null, 0),
    ]);
  }

  it.each(SYNTAXES)(
    "should read every encapsulated value as dcmjs's own reader does, at the top or in an item ($name's syntax)",
    (syntax) => {
      fc.assert(
        fc.property(encapsulatedValue, (value) => {
          const encoded = encodeEncapsulated(syntax, value);
          const body = value.inItem
            ? Buffer.concat([
                head(syntax, 0x00111001, 'SQ', encoded.length + 8),
                head(syntax, 0xfffee000, null, encoded.length),
                encoded,
              ])
            : encoded;
          const file = new Uint8Array(
            Buffer.concat([syntax.meta, body, head(syntax, 0x7fe00010, 'OB', 0)]),
          );
          expect(outcomeOf(file)).toEqual(withDcmjsItemReader(() => outcomeOf(file)));
        }),
        { numRuns: 500 },
      );
    },
  );

  it("should say TRUNCATED, as dcmjs's own reader does, for an item whose last element runs past its end", () => {
    // Attack (session 35's review of the copy): a defined-length item of 2 bytes holding the
    // first half of a tag. A window shares its parent's bytes, so the read went on into the
    // bytes after the item (here an empty SQ and its delimiter) and the file was read; dcmjs's
    // copy of the item ends there and says TRUNCATED.
    const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
    const value = Buffer.concat([
      hex('feff 00e0 02000000 1100'), // item of 2 bytes: a group, no element
      hex('0210 5351 0000 ffffffff'), // (0011,1002) SQ of undefined length, after the item
      hex('feff dde0 00000000 0000'), // its delimiter, and 2 bytes to make the SQ's 30
    ]);
    const file = new Uint8Array(
      Buffer.concat([
        SYNTAXES[0].meta,
        hex('1100 0110 5351 0000'),
        Buffer.from([value.length, 0, 0, 0]),
        value,
        hex('e07f 1000 4f42 0000 00000000'), // Pixel Data
      ]),
    );
    expect(withDcmjsItemReader(() => outcomeOf(file))).toEqual({ failure: 'TRUNCATED' });
    expect(outcomeOf(file)).toEqual({ failure: 'TRUNCATED' });
  });
});

describe("sequence-items.reader's guard on dcmjs", () => {
  it('should find installed the dcmjs the item reader was copied from', () => {
    expect(installedDcmjs.version).toBe('0.51.1');
    expect(() => assertDcmjsAsCopied(installedDcmjs)).not.toThrow();
  });

  it('should refuse a dcmjs of another version, naming what to re-check', () => {
    expect(() => assertDcmjsAsCopied({ ...installedDcmjs, version: '0.52.0' })).toThrow(
      /dcmjs 0\.52\.0 is installed.*copied from dcmjs 0\.51\.1.*re-check/,
    );
  });

  it("should refuse to load when dcmjs's SequenceOfItems.readBytes is not the one it copied", () => {
    jest.isolateModules(() => {
      // A fresh dcmjs whose sequence reader changed, as an upgrade could change it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const dcmjs = require('dcmjs') as typeof import('dcmjs');
      const sequenceOfItems = Object.getPrototypeOf(
        (
          dcmjs.data.ValueRepresentation as unknown as { createByTypeString(type: string): object }
        ).createByTypeString('SQ'),
      ) as { readBytes: (...args: unknown[]) => unknown };
      const readBytes = sequenceOfItems.readBytes;
      sequenceOfItems.readBytes = function changed(
        this: unknown,
        stream: unknown,
        sqlength: unknown,
        syntax: unknown,
      ): unknown {
        return readBytes.call(this, stream, sqlength, syntax);
      };
      expect(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('./sequence-items.reader');
      }).toThrow(
        /SequenceOfItems\.readBytes is not the one .*copied from dcmjs 0\.51\.1.*re-check/,
      );
      expect(sequenceOfItems.readBytes.name).toBe('changed'); // refused, not replaced
    });
  });
});
