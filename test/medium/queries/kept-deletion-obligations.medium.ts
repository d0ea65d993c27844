import { AccessLogService, Viewer } from '@scantrail/access';
import {
  PatientRightsIndex,
  deletionRequestForVendor,
  evaluateDeletionRequest,
  type DeletionRequestState,
  type DeletionStatus,
} from '@scantrail/compliance';
import type { Target } from '@scantrail/contract';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  PatientRightsReadService,
  keepAllDeletionObligations,
  loadPatientsWorld,
} from '@scantrail/queries';
import { createDataSource, migrate, MIGRATIONS, roleOf } from '@scantrail/storage';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { RandomWorld } from '../../support/random-world';

/**
 * The filtered deletion lists and the obligations per vendor read what the projection keeps
 * (rm_deletion_kept, rm_deletion_obligations, rm_deletion_family), each request evaluated
 * over its patient's whole world when a batch touches it, its statuses compared with asOf
 * when asked; a request asked before its world settled is evaluated as before. Oracle: the
 * pure rules of @scantrail/compliance over every requesting patient's facts as of each asOf.
 * Random worlds recorded out of order in batches of 17: late registrations, derivations and
 * re-registrations, inspections, datasets, onward transfers, attestations before and after
 * the requests, requests with and without a scope, re-sent requests. One service per world
 * asked at many asOf values in a random order: its kept answers must hold for their windows.
 */
const officer = new Viewer('officer', ['privacy_officer']);
const VENDORS = ['vnd-a', 'vnd-b', 'vnd-c'];
const STATUSES: (DeletionStatus | undefined)[] = [
  undefined,
  'OPEN',
  'OVERDUE',
  'FULFILLED',
  'EXEMPT',
];
const WORLDS = 8;

interface World {
  events: object[];
  patients: { system: string; value: string }[];
}

function randomWorld(w: number): World {
  const world = new RandomWorld(7000 + w, `k${w}`);
  const { prefix, random, int, pick, hour } = world;
  const slot = (): string => hour(int(72));
  const { events } = world;
  const patients = world.patients(4);
  const studies: string[] = [];
  for (let i = 0; i < 10; i++) {
    const uid = `1.2.${w}.1.${i}`;
    studies.push(uid);
    world.registered(uid, pick(patients), `ACC-${prefix}-${i}`, hour(int(40)));
  }
  for (let i = 0; i < 7; i++) {
    const uid = `2.25.${w}.${i}`;
    const source = pick(studies);
    studies.push(uid);
    world.deidentified(source, uid, random() < 0.7 ? ['113100'] : ['113101'], hour(int(40)));
    if (random() < 0.2) world.registered(uid, pick(patients), `ACC-${prefix}-d${i}`, slot());
    if (random() < 0.6) {
      const pass = random() < 0.6;
      const data = exampleData('org.scantrail.deidentification.inspected', {
        inspectionId: `insp-${prefix}-${i}`,
        studyInstanceUid: uid,
        result: pass ? 'PASS' : 'FAIL',
        patientIdentifiersFound: [{ ...pick(patients) }],
      });
      if (pass) delete data.issues;
      if (random() < 0.5) delete data.patientIdentifiersFound;
      events.push(cloudEvent('org.scantrail.deidentification.inspected', data, { time: slot() }));
    }
  }
  // A study registered again to another patient, later: it leaves the first one's world.
  world.registered(pick(studies.slice(0, 10)), pick(patients), `ACC-${prefix}-again`, slot());
  const datasets = ['ds-0', 'ds-1'].map((d) => `${prefix}-${d}`);
  world.datasetsAssembledTwice(datasets, studies, slot);
  const target = (): Target =>
    random() < 0.7 ? { studyInstanceUid: pick(studies) } : { datasetId: pick(datasets) };
  for (let i = 0; i < 36; i++) {
    const what = target();
    const time = slot();
    const roll = random();
    if (roll < 0.45) {
      world.disclosure(i, pick(VENDORS), what, time);
    } else if (roll < 0.65) {
      world.transfer(i, pick(VENDORS), pick(VENDORS), what, time);
    } else {
      events.push(
        cloudEvent(
          'org.scantrail.deletion.attested',
          exampleData('org.scantrail.deletion.attested', { vendorId: pick(VENDORS), target: what }),
          { time },
        ),
      );
    }
  }
  for (let i = 0; i < 8; i++) {
    const data: Record<string, unknown> = {
      // Every fourth id twice: a later report of the same request replaces it.
      requestId: `del-${prefix}-${i % 6}`,
      patient: { ...pick(patients) },
      dueBy: hour(20 + int(50)).slice(0, 10),
      legalGround: 'random',
    };
    if (random() < 0.3) {
      data.scope = { studyInstanceUids: [pick(studies), pick(studies)] };
    }
    events.push(cloudEvent('org.scantrail.deletion.requested', data, { time: slot() }));
  }
  return { events: world.shuffled(), patients };
}

interface Listed {
  requestId: string;
  status: DeletionStatus;
  obligations: unknown[];
}

/** What the rules give as of asOf for every request made by then, in list order. */
async function oracle(db: TestDatabase, asOf: number): Promise<Map<string, DeletionRequestState>> {
  const requests = await db.dataSource.query<
    {
      request_id: string;
      patient: string;
      requested_at: Date;
      due_by: Date;
      scope_study_uids: string[] | null;
      event_id: string;
      ledger_sequence: string;
    }[]
  >(
    `SELECT request_id, patient, requested_at, due_by, scope_study_uids, event_id, ledger_sequence
       FROM rm_deletion_requests WHERE requested_at <= $1 ORDER BY requested_at, request_id`,
    [new Date(asOf)],
  );
  const states = new Map<string, DeletionRequestState>();
  for (const r of requests) {
    // Each patient's world alone, as a list page of that one request reads it.
    const { world } = await loadPatientsWorld(db.dataSource, [r.patient]);
    const state = evaluateDeletionRequest(
      {
        requestId: r.request_id,
        patient: r.patient,
        at: r.requested_at.getTime(),
        dueBy: r.due_by.getTime(),
        eventId: r.event_id,
        ledgerSequence: Number(r.ledger_sequence),
        ...(r.scope_study_uids === null ? {} : { scopeStudyInstanceUids: r.scope_study_uids }),
      },
      new PatientRightsIndex(world, asOf),
    );
    if (state !== null) states.set(r.request_id, state);
  }
  return states;
}

function listed(state: DeletionRequestState): Listed {
  return {
    requestId: state.requestId,
    status: state.status,
    obligations: state.obligations.map((o) => ({
      vendorId: o.vendorId,
      studyInstanceUid: o.studyInstanceUid,
      receivedAt: o.receivedAt,
      status: o.status,
      attestedAt: o.attestedAt ?? null,
      attestationEventId: o.attestationEventId ?? null,
    })),
  };
}

describe('deletion obligations kept by the projection (medium: PostgreSQL, no Kafka)', () => {
  let db: TestDatabase;
  let recorder: DirectRecorder;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, testSettings());
  });

  afterAll(() => db.drop());

  it.each(Array.from({ length: WORLDS }, (_, w) => w))(
    'should give the pure evaluation’s lists and counts at any asOf when the world is random (world %i)',
    async (w) => {
      const world = randomWorld(w);
      for (let i = 0; i < world.events.length; i += 17) {
        const outcome = await recorder.record(world.events.slice(i, i + 17));
        expect(outcome.quarantined).toEqual([]);
      }
      // Last, the first study registered to a new patient: it leaves its patient's world
      // (whose requests the projection must evaluate again, found by their kept family).
      const moved = await recorder.record([
        cloudEvent(
          'org.scantrail.study.registered',
          exampleData('org.scantrail.study.registered', {
            studyInstanceUid: `1.2.${w}.1.0`,
            patient: { system: 'urn:oid:2.16.840.1.113883.3.7', value: `MRN-k${w}-moved` },
            accessionNumber: `ACC-k${w}-moved`,
          }),
          { time: '2025-01-04T03:00:00Z' },
        ),
        // Requests once every world has settled, due a day and two later: as of the hours
        // between, the kept answers compare their due dates with asOf (OPEN, then OVERDUE).
        ...world.patients.slice(0, 3).map((patient, i) =>
          cloudEvent(
            'org.scantrail.deletion.requested',
            {
              requestId: `del-k${w}-late-${i}`,
              patient: { ...patient },
              dueBy: i === 0 ? '2025-01-04' : '2025-01-05',
              ...(i === 2 ? { scope: { studyInstanceUids: [`1.2.${w}.1.1`, `2.25.${w}.0`] } } : {}),
            },
            { time: '2025-01-04T04:00:00Z' },
          ),
        ),
        // Attestations once every world has settled: asked at their very instant, the
        // obligations they cover are FULFILLED (attested at or before asOf).
        ...VENDORS.flatMap((vendorId, v) =>
          [0, 1, 2, 3].map((i) =>
            cloudEvent(
              'org.scantrail.deletion.attested',
              { vendorId, target: { studyInstanceUid: `1.2.${w}.1.${(v * 4 + i) % 10}` } },
              { time: '2025-01-04T08:00:00Z' },
            ),
          ),
        ),
      ]);
      expect(moved.quarantined).toEqual([]);
      const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
      const hours = [-1, 10, 19, 24, 37, 40, 50, 58, 66, 71, 75, 77, 80, 95, 96, 119, 120, 24 * 90];
      // Each asOf twice, in a random order: later calls may be answered from kept windows.
      const shuffle = new RandomWorld(w, 'asof');
      const order = [...hours, ...hours];
      for (let i = order.length - 1; i > 0; i--) {
        const j = shuffle.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let obligationsSeen = 0;
      for (const h of order) {
        // Half of them on the hour, when attestations, due dates and requests tie with asOf.
        const asOf = Date.UTC(2025, 0, 1, h, h % 2 === 0 ? 0 : 30) - (h % 4 === 3 ? 1 : 0);
        const expected = await oracle(db, asOf);
        const at = new Date(asOf);
        for (const vendorId of [undefined, ...VENDORS]) {
          for (const status of STATUSES) {
            const page = await rights.deletionRequests(officer, {
              status,
              vendorId,
              asOf: at,
              first: 500,
            });
            const want = [...expected.values()].flatMap((s) => {
              const shown = vendorId === undefined ? s : deletionRequestForVendor(s, vendorId);
              return shown !== null && (status === undefined || shown.status === status)
                ? [listed(shown)]
                : [];
            });
            const got = page.edges.map(({ node }) => ({
              requestId: node.requestId,
              status: node.status,
              obligations: node.obligations.map((o) => ({
                vendorId: o.vendorId,
                studyInstanceUid: o.studyInstanceUid,
                receivedAt: o.receivedAt.getTime(),
                status: o.status,
                attestedAt: o.attestedAt?.getTime() ?? null,
                attestationEventId: o.attestationEventId,
              })),
            }));
            expect({ h, vendorId, status, got }).toEqual({ h, vendorId, status, got: want });
            expect(await page.totalCount).toBe(want.length);
          }
        }
        const counts = new Map<string, Record<DeletionStatus, number>>();
        for (const s of expected.values()) {
          for (const o of s.obligations) {
            const c = counts.get(o.vendorId) ?? { OPEN: 0, OVERDUE: 0, FULFILLED: 0, EXEMPT: 0 };
            c[o.status]++;
            counts.set(o.vendorId, c);
            obligationsSeen++;
          }
        }
        const lines = await rights.obligationsByVendor(officer, at);
        expect(Object.fromEntries(lines.map((l) => [l.vendorId, l.counts]))).toEqual(
          Object.fromEntries(counts),
        );
      }
      expect(obligationsSeen).toBeGreaterThan(0);
      // Every request is kept for its latest report; at the end every world is settled.
      const [{ unkept }] = await db.dataSource.query<{ unkept: number }[]>(
        `SELECT count(*)::int AS unkept FROM rm_deletion_requests r
          WHERE NOT EXISTS (SELECT 1 FROM rm_deletion_kept k
                             WHERE k.request_id = r.request_id AND k.request_sequence = r.ledger_sequence)`,
      );
      expect(unkept).toBe(0);
    },
  );

  it('should keep, batch by batch, what evaluating every request again gives', async () => {
    const dump = async (): Promise<unknown[][]> => [
      await db.dataSource.query(
        'SELECT request_id, request_sequence, settled_at FROM rm_deletion_kept ORDER BY request_id',
      ),
      await db.dataSource.query(
        `SELECT request_id, vendor_id, study_uid, received_at, fulfilled_at, attestation_event_id, exempt
           FROM rm_deletion_obligations ORDER BY request_id, vendor_id, study_uid`,
      ),
      await db.dataSource.query(
        'SELECT request_id, study_uid FROM rm_deletion_family ORDER BY request_id, study_uid',
      ),
      await db.dataSource.query(
        `SELECT request_id, vendor_id, requested_at, due_by, attested_until, status, fulfilled, exempt, overdue
           FROM rm_deletion_eventual ORDER BY request_id, vendor_id`,
      ),
      await db.dataSource.query(
        'SELECT vendor_id, status, requests, obligations FROM rm_deletion_counts ORDER BY vendor_id, status',
      ),
      await db.dataSource.query('SELECT request_id FROM rm_deletion_unkept ORDER BY request_id'),
    ];
    const kept = await dump();
    expect(kept[0]).toHaveLength(WORLDS * 9);
    expect(kept[1].length).toBeGreaterThan(WORLDS);
    // A row per request and per obligated vendor; the requests and obligations counted.
    expect(kept[3].length).toBeGreaterThan(WORLDS * 9);
    const counted = kept[4] as { vendor_id: string; requests: number; obligations: number }[];
    const sum = (vendor: boolean, field: 'requests' | 'obligations'): number =>
      counted.reduce((n, c) => n + ((c.vendor_id !== '') === vendor ? c[field] : 0), 0);
    expect(sum(false, 'requests')).toBe(WORLDS * 9);
    expect(sum(true, 'obligations')).toBe(kept[1].length);
    expect(kept[5]).toEqual([]);
    const tables = [
      'rm_deletion_kept',
      'rm_deletion_obligations',
      'rm_deletion_family',
      'rm_deletion_eventual',
      'rm_deletion_counts',
    ];
    for (const table of tables) await db.dataSource.query(`DELETE FROM ${table}`);
    expect(await keepAllDeletionObligations(db.dataSource)).toBe(WORLDS * 9);
    expect(await dump()).toEqual(kept);
    // The migration fills the eventual statuses and counts from the kept rows as the keeper
    // keeps them (a vendor's latest attestation its own since 1764116500000), and marks a
    // request whose kept rows are for another report unkept.
    const migration = MIGRATIONS.find((m) => m.name === 'DeletionEventualStatuses1764104000000');
    if (migration === undefined) throw new Error('migration 1764104000000 is missing');
    const ownAttestations = MIGRATIONS.find(
      (m) => m.name === 'DeletionEventualOwnAttestations1764116500000',
    );
    if (ownAttestations === undefined) throw new Error('migration 1764116500000 is missing');
    // As the owner that migrates, then the apps' role granted its rights on the new tables.
    const owner = createDataSource(db.ownerUrl, { name: 'owner', poolSize: 2 });
    await owner.initialize();
    const runner = owner.createQueryRunner();
    const again = async (): Promise<void> => {
      await new ownAttestations().down(runner);
      await new migration().down(runner);
      await new migration().up(runner);
      await new ownAttestations().up(runner);
      await migrate(owner, { appRole: roleOf(db.url) });
    };
    // Asked afresh (no kept answers): by-vendor counts and the OVERDUE list once settled.
    const end = new Date(Date.UTC(2025, 3, 1));
    const asked = async (): Promise<unknown> => {
      const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
      const page = await rights.deletionRequests(officer, {
        status: 'OVERDUE',
        asOf: end,
        first: 500,
      });
      return [await rights.obligationsByVendor(officer, end), page.edges, await page.totalCount];
    };
    const answered = await asked();
    try {
      await again();
      expect(await dump()).toEqual(kept);
      await db.dataSource.query(
        `UPDATE rm_deletion_kept SET request_sequence = request_sequence - 1 WHERE request_id = 'del-k0-late-0'`,
      );
      await again();
      const marked = await dump();
      expect(marked[5]).toEqual([{ request_id: 'del-k0-late-0' }]);
      // Meanwhile the API says so and answers by evaluating, as before.
      const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
      expect(await rights.requestsNeverKept()).toBe(1);
      expect(await asked()).toEqual(answered);
      await keepAllDeletionObligations(db.dataSource);
      expect(await dump()).toEqual(kept);
    } finally {
      await runner.release();
      await owner.destroy();
    }
  });
});
