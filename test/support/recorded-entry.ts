import type { EventDataMap, EventType } from '@scantrail/contract';
import { TEST_SOURCE } from '@scantrail/contract/testing';
import { encodeLeafData } from '@scantrail/ledger';
import type { RecordedEntry } from '@scantrail/storage';

/**
 * A ledger entry as the projection receives it (its event already stored), for tests that
 * drive the projection without the ledger: id `evt-<sequence>`, subject `s`, zero hashes.
 */
export function recordedEntry<T extends EventType>(
  sequence: number,
  type: T,
  data: EventDataMap[T],
  time = '2024-05-01T12:00:00Z',
): RecordedEntry {
  const fields = {
    sequence,
    source: TEST_SOURCE,
    id: `evt-${sequence}`,
    type,
    time,
    subject: 's',
    data,
    payloadDigest: '0'.repeat(64),
  };
  return {
    ...fields,
    leafData: encodeLeafData(fields),
    leafHash: Buffer.alloc(32),
    chainHash: Buffer.alloc(32),
  };
}
