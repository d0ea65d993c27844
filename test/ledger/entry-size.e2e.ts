// Entry size and tile serving (issue 10, item 8; CONTRACT sections 1 and 4, v1.1). An 87 KB
// dataset event (1,500 uids) once became an entry no C2SP entry bundle can frame: its bundle
// answered 400 forever while verify said all was well. Now: such events are quarantined,
// every bundle serves (gzip-encoded when asked), responses behind a token are private, and
// verify names an entry that an older version let through.
import { mintToken } from '@scantrail/access';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';
import { chainHash, decodeEntryBundle, leafHash } from '@scantrail/ledger';
import { leafDataOf } from '@scantrail/storage';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { E2eStack, ledgerVerdict } from '../support/e2e-stack';
import { testSettings } from '../support/test-env';

const STUDY = 'org.scantrail.study.registered';
const DATASET = 'org.scantrail.dataset.assembled';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET that shows the bytes on the wire (fetch would undo the Content-Encoding). */
function rawGet(url: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('entry size limit and entry bundle serving (real Kafka, real PostgreSQL)', () => {
  const settings = testSettings();
  let stack: E2eStack;
  let base: string;
  const token = mintToken({
    secret: settings.authJwtSecret,
    sub: 'entry-size-test',
    roles: ['auditor'],
    ttlSeconds: 600,
  });

  beforeAll(async () => {
    stack = await E2eStack.open(1);
  });

  afterAll(() => stack.close());

  it('should quarantine the 87 KB dataset and an entry over 65,535 bytes, and serve every entry bundle, gzip-encoded when asked and private', async () => {
    const uids = Array.from(
      { length: 1_500 },
      (_, i) => `1.2.826.0.1.3680043.8.498.${String(10n ** 20n + BigInt(i) * 7919n)}.1.1.11.1`,
    );
    const bigDataset = encodeEvent(
      cloudEvent(DATASET, { ...exampleData(DATASET), studyInstanceUids: uids }),
    );
    expect(bigDataset.length).toBeGreaterThan(87_000);
    const overLimit = encodeEvent(
      cloudEvent(STUDY, { ...exampleData(STUDY), description: 'x'.repeat(70_000) }),
    );
    const before = cloudEvent(STUDY, exampleData(STUDY)) as { id: string };
    const after = cloudEvent(STUDY, exampleData(STUDY)) as { id: string };
    const values = [encodeEvent(before), bigDataset, overLimit, encodeEvent(after)];
    const producer = await stack.kafka.producer();
    for (const value of values) await producer.send(stack.topic, [{ key: 'k', value }]);
    await producer.disconnect();

    await stack.startIngest(settings, 1);
    await stack.consumedThrough(values.length, 1, 90_000, 'every message consumed');

    const quarantined = await stack.db.dataSource.query<{ kafka_offset: string; reason: string }[]>(
      `SELECT kafka_offset::text AS kafka_offset, reason FROM quarantined_messages
        ORDER BY quarantined_messages.kafka_offset`,
    );
    expect(quarantined.map((q) => q.kafka_offset)).toEqual(['1', '2']);
    expect(quarantined[0].reason).toBe(
      'invalid_data: data.studyInstanceUids: must have at most 500 items',
    );
    expect(quarantined[1].reason).toMatch(/^too_large: .*leaf data > 65535/);
    expect(await stack.ledgerEventIds()).toEqual([before.id, after.id]);

    const api = await stack.startApi(settings);
    base = api.url.replace(/\/graphql$/, '');
    const auth = { authorization: `Bearer ${token}` };

    const zipped = await rawGet(`${base}/tlog/tile/entries/000.p/2`, {
      ...auth,
      'accept-encoding': 'gzip, identity',
    });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toMatch(/Accept-Encoding/i);
    expect(zipped.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    const entries = decodeEntryBundle(gunzipSync(zipped.body));
    expect(entries.map((e) => (JSON.parse(e.toString()) as { id: string }).id)).toEqual([
      before.id,
      after.id,
    ]);

    const plain = await rawGet(`${base}/tlog/tile/entries/000.p/2`, {
      ...auth,
      'accept-encoding': 'identity',
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(gunzipSync(zipped.body))).toBe(true);

    const tile = await rawGet(`${base}/tlog/tile/0/000.p/2`, auth);
    expect(tile.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(tile.body.subarray(0, 32).equals(leafHash(entries[0]))).toBe(true);

    const graphql = await fetch(api.url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ledger { treeSize } }' }),
    });
    expect(graphql.status).toBe(200);
    expect(graphql.headers.get('cache-control')).toBe('private, no-store');
  });

  it('should name the entry when the ledger holds one that no entry bundle can frame', async () => {
    // What an older version wrote: a contract-valid 70 KB event appended as is.
    const { db } = stack;
    const rows = await db.dataSource.query<{ sequence: string; chain_hash: Buffer }[]>(
      'SELECT sequence::text AS sequence, chain_hash FROM ledger_entries ORDER BY sequence DESC LIMIT 1',
    );
    const sequence = Number(rows[0].sequence) + 1;
    const event = cloudEvent(STUDY, { ...exampleData(STUDY), description: 'y'.repeat(70_000) }) as {
      id: string;
      source: string;
      time: string;
      data: { studyInstanceUid: string };
    };
    const leafData = leafDataOf(
      {
        source: event.source,
        id: event.id,
        type: STUDY,
        time: event.time,
        subject: event.data.studyInstanceUid,
        data: event.data,
        payloadDigest: '00'.repeat(32),
      },
      sequence,
    );
    const leaf = leafHash(leafData);
    await db.dataSource.query(
      `INSERT INTO ledger_entries (sequence, source, event_id, type, time, occurred_at, subject, leaf_data, leaf_hash, chain_hash)
       VALUES ($1, $2, $3, $4, $5::text, $5::timestamptz, $6, $7, $8, $9)`,
      [
        sequence,
        event.source,
        event.id,
        STUDY,
        event.time,
        event.data.studyInstanceUid,
        leafData,
        leaf,
        chainHash(rows[0].chain_hash, leaf),
      ],
    );
    expect(await ledgerVerdict(db.dataSource, settings)).toMatch(
      new RegExp(
        `^first bad sequence ${sequence}: leaf data is \\d+ bytes, more than the 65535 a C2SP entry bundle can frame$`,
      ),
    );
  });
});
