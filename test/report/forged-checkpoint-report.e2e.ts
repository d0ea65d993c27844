// A report cites "the latest checkpoint the ingest signed and stored" (reports never sign),
// and each of its entries is meant to be provable in that signed tree. The apps' role may
// INSERT into ledger_checkpoints (the ingest stores what it signs), so whoever holds
// DATABASE_URL (the API's host, say) can add a row the signer never made. Reports take the
// largest row as it is, its signature never checked against LEDGER_VERIFIER_KEY: the
// patient's accounting of disclosures then cites a tree of 1,000,000,000 entries, a root of
// zeros and a note that is no signed note. Reproduce: psql "$DATABASE_URL" -c "INSERT INTO
// ledger_checkpoints (tree_size, root_hash, note) VALUES (1000000000, '\x00', 'forged')";
// npm run cli -- report --patient 'S|V' --format csv --out r.csv.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAccountingReport } from '../../apps/cli/src/commands/report.command';
import { PATIENT_P, scenarioEvents } from '../api/api-scenario';
import {
  createTestDatabase,
  DirectRecorder,
  signCheckpoint,
  testSettings,
  type TestDatabase,
} from '../support/test-env';

const settings = testSettings();
const FORGED_SIZE = 1_000_000_000;

describe('a report after an unsigned checkpoint row (real PostgreSQL, apps role)', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    await new DirectRecorder(db.dataSource, settings).record(Object.values(scenarioEvents()));
    await signCheckpoint(db.dataSource, settings);
    await db.dataSource.query(
      'INSERT INTO ledger_checkpoints (tree_size, root_hash, note) VALUES ($1, $2, $3)',
      [FORGED_SIZE, Buffer.alloc(32), 'forged\n'],
    );
    dir = mkdtempSync(join(tmpdir(), 'scantrail-forged-checkpoint-'));
  });

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('should never cite a checkpoint the verifier key does not open', async () => {
    const out = join(dir, 'report.csv');
    let written = true;
    try {
      await writeAccountingReport(settings, db.database, {
        patient: `${PATIENT_P.system}|${PATIENT_P.value}`,
        from: '2024-01-01',
        to: '2024-12-31',
        format: 'csv',
        out,
      });
    } catch {
      written = false; // refusing is fine; citing the forged row is not
    }
    const text = written ? readFileSync(out, 'utf8') : '';
    expect(text).not.toContain(String(FORGED_SIZE));
    expect(text).not.toContain('forged');
  });
});
