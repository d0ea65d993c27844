import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Part10ReadError, readPart10Header } from './part10-header.reader';
import { withDcmjsItemReader } from './sequence-items.reader';

const CT_SMALL = readFileSync(join(__dirname, '../../test-data/pydicom/CT_small.dcm'));
const META_END = 132 + 12 + CT_SMALL.readUInt32LE(132 + 8);
const PIXEL_DATA = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0, 0, 0, 0]);
const ITEM_END = Buffer.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]);
const SEQUENCE_END = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
const UNDEFINED = 0xffffffff;

/** What a data set holds, explicit VR little endian; lengths undefined or defined. */
type Node =
  | { kind: 'text'; element: number; bytes: number[] }
  | { kind: 'sequence'; element: number; undefinedLength: boolean; items: Item[] };
interface Item {
  undefinedLength: boolean;
  nodes: Node[];
}

const head = (tag: number, vr: string | null, length: number): Buffer => {
  const bytes = Buffer.alloc(vr ? 12 : 8);
  bytes.writeUInt16LE(tag >>> 16, 0);
  bytes.writeUInt16LE(tag & 0xffff, 2);
  if (vr) bytes.write(vr, 4, 'latin1');
  bytes.writeUInt32LE(length, vr ? 8 : 4);
  return bytes;
};

function encode(nodes: Node[]): Buffer {
  return Buffer.concat(
    nodes.map((node) => {
      // Private group 0011: LO texts (any length, odd ones too) and SQ, by element number.
      const tag = 0x00111000 + node.element;
      if (node.kind === 'text') {
        const text = Buffer.alloc(8);
        text.writeUInt32LE(((tag & 0xffff) << 16) | (tag >>> 16), 0);
        text.write('LO', 4, 'latin1');
        text.writeUInt16LE(node.bytes.length, 6);
        return Buffer.concat([text, Buffer.from(node.bytes)]);
      }
      const items = node.items.map((item) => {
        const body = encode(item.nodes);
        return item.undefinedLength
          ? Buffer.concat([head(0xfffee000, null, UNDEFINED), body, ITEM_END])
          : Buffer.concat([head(0xfffee000, null, body.length), body]);
      });
      const value = Buffer.concat(items);
      return node.undefinedLength
        ? Buffer.concat([head(tag, 'SQ', UNDEFINED), value, SEQUENCE_END])
        : Buffer.concat([head(tag, 'SQ', value.length), value]);
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
  it("should read every header as dcmjs's own item reader does, whatever its lengths and values", () => {
    fc.assert(
      fc.property(nodes, (dataSet) => {
        const file = new Uint8Array(
          Buffer.concat([CT_SMALL.subarray(0, META_END), encode(dataSet), PIXEL_DATA]),
        );
        expect(outcomeOf(file)).toEqual(withDcmjsItemReader(() => outcomeOf(file)));
      }),
      { numRuns: 1000 },
    );
  });
});
