import { AccessLogService, Viewer } from '@scantrail/access';
import { PatientRightsIndex, evaluateBreachImpact, type TargetRef } from '@scantrail/compliance';
import type { Target } from '@scantrail/contract';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { PatientRightsReadService, loadVendorWorld } from '@scantrail/queries';
import { ALL_RESOLVED_STUDIES, ALL_VENDOR_HOLDINGS, allBreachImpact } from '@scantrail/storage';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { RandomWorld } from '../../support/random-world';

/**
 * breachImpact reads what the projection keeps: each breach's affected studies and counts
 * (rm_breach_affected, rm_breach_counts), computed whole when the report is recorded and
 * then moved pair by pair as later batches add holdings, members or resolutions, from
 * rm_vendor_holdings; the pure rules of @scantrail/compliance over every fact of that
 * vendor (loadVendorWorld, the evaluation it replaced) stay the oracle. Random worlds with
 * onward transfers, datasets assembled twice, de-identified copies (inspected or not),
 * attestations at a receipt's own instant and re-receipts after deletion, recorded out of
 * order in several batches, and breach windows open at either end.
 */
const officer = new Viewer('officer', ['privacy_officer']);
const VENDORS = ['vnd-a', 'vnd-b', 'vnd-c'];
const WORLDS = 16;

interface World {
  events: object[];
  breaches: { breachId: string; vendorId: string }[];
}

function randomWorld(w: number): World {
  const world = new RandomWorld(1000 + w, `w${w}`);
  const { prefix, random, int, pick, hour } = world;
  // Coarse times (whole hours out of a few days) so that receipts and attestations tie.
  const slot = (): string => hour(int(48));
  const { events } = world;
  const patients = world.patients(5);
  const studies: string[] = [];
  for (let i = 0; i < 12; i++) {
    const uid = `1.2.${w}.1.${i}`;
    studies.push(uid);
    world.registered(uid, pick(patients), `ACC-${prefix}-${i}`, hour(int(4)));
  }
  for (let i = 0; i < 8; i++) {
    const uid = `2.25.${w}.${i}`;
    const source = pick(studies);
    studies.push(uid);
    world.deidentified(source, uid, random() < 0.7 ? ['113100'] : ['113101'], hour(int(6)));
    if (random() < 0.5) {
      const pass = random() < 0.6;
      const data = exampleData('org.scantrail.deidentification.inspected', {
        inspectionId: `insp-${prefix}-${i}`,
        studyInstanceUid: uid,
        result: pass ? 'PASS' : 'FAIL',
        patientIdentifiersFound: [{ ...pick(patients) }],
      });
      if (pass) delete data.issues;
      if (random() < 0.5) delete data.patientIdentifiersFound;
      events.push(
        cloudEvent('org.scantrail.deidentification.inspected', data, { time: hour(6 + int(6)) }),
      );
    }
  }
  const datasets = ['ds-0', 'ds-1', 'ds-2'].map((d) => `${prefix}-${d}`);
  world.datasetsAssembledTwice(datasets, studies, slot);
  const target = (): Target =>
    random() < 0.6 ? { studyInstanceUid: pick(studies) } : { datasetId: pick(datasets) };
  for (let i = 0; i < 40; i++) {
    const what = target();
    const time = slot();
    const roll = random();
    if (roll < 0.45) {
      world.disclosure(i, pick(VENDORS), what, time);
    } else if (roll < 0.7) {
      const [from, to] = [pick(VENDORS), pick(VENDORS)];
      world.transfer(i, from, to, what, time);
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
  const breaches: World['breaches'] = [];
  for (let i = 0; i < 6; i++) {
    const vendorId = pick(VENDORS);
    const breachId = `brc-${prefix}-${i}`;
    const a = int(48);
    const b = a + int(48 - a);
    const affected: Target[] = Array.from({ length: 1 + int(3) }, target);
    const data: Record<string, unknown> = {
      breachId,
      vendorId,
      discoveredAt: '2025-01-10',
      exposureTo: hour(b),
      description: 'random window',
    };
    if (random() < 0.6) data.exposureFrom = hour(a);
    if (random() < 0.3) data.affectedTargets = affected;
    events.push(cloudEvent('org.scantrail.breach.reported', data, { time: hour(60) }));
    breaches.push({ breachId, vendorId });
  }
  // Out of order: late members and late receipts reach the projection after what they change.
  return { events: world.shuffled(), breaches };
}

describe('breach impact from rm_vendor_holdings (medium: PostgreSQL, no Kafka)', () => {
  let db: TestDatabase;
  let recorder: DirectRecorder;

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, testSettings());
  });

  afterAll(() => db.drop());

  it.each(Array.from({ length: WORLDS }, (_, w) => w))(
    'should give the pure evaluation’s answer when the world is random (world %i)',
    async (w) => {
      const world = randomWorld(w);
      for (let i = 0; i < world.events.length; i += 17) {
        const outcome = await recorder.record(world.events.slice(i, i + 17));
        expect(outcome.quarantined).toEqual([]);
      }
      // A fresh service: the API keeps its answers per ledger size.
      const rights = new PatientRightsReadService(db.dataSource, new AccessLogService());
      let affectedSeen = 0;
      for (const { breachId, vendorId } of world.breaches) {
        const view = await rights.breachImpact(officer, breachId);
        if (view === null) throw new Error(`${breachId} was not projected`);
        const all = await rights.breachAffectedAll(officer, view);
        // Keyset pages of two, walked to the end, give the same studies in the same order.
        const paged: string[] = [];
        for (let after: string | null = null; ;) {
          const page = await rights.breachAffected(officer, view, { first: 2, after });
          paged.push(...page.edges.map((e) => e.node.studyInstanceUid));
          if (!page.pageInfo.hasNextPage) break;
          after = page.pageInfo.endCursor;
        }
        expect(paged).toEqual(all.map((a) => a.studyInstanceUid));
        const loaded = await loadVendorWorld(db.dataSource, vendorId);
        const targets = await affectedTargetsOf(db, breachId);
        // A dataset named in affectedTargets counts with its members at exposureTo even when
        // the vendor never received it (the loader reads only the vendor's own datasets).
        const members = await db.dataSource.query<
          { datasetId: string; studyInstanceUid: string; addedAt: Date }[]
        >(
          `SELECT dataset_id AS "datasetId", study_uid AS "studyInstanceUid", added_at AS "addedAt"
             FROM rm_dataset_members WHERE dataset_id = ANY($1::text[])`,
          [(targets.affectedTargets ?? []).flatMap((t) => (t.datasetId ? [t.datasetId] : []))],
        );
        const world = {
          ...loaded.world,
          datasetMembers: [
            ...loaded.world.datasetMembers,
            ...members.map((m) => ({ ...m, addedAt: m.addedAt.getTime() })),
          ],
        };
        const expected = evaluateBreachImpact(
          {
            breachId,
            vendorId,
            discoveredAt: view.discoveredAt.getTime(),
            exposureTo: view.exposureTo.getTime(),
            ...(view.exposureFrom === null ? {} : { exposureFrom: view.exposureFrom.getTime() }),
            ...targets,
            eventId: breachId,
            ledgerSequence: view.ledgerSequence,
            at: view.discoveredAt.getTime(),
          },
          new PatientRightsIndex(world),
        );
        expect({
          studiesAffected: view.studiesAffected,
          patientsAffected: view.patientsAffected,
          patientsToNotify: view.patientsToNotify,
          hhsNoticeDeadline: view.hhsNoticeDeadline.getTime(),
          studiesDeidentified: view.studiesDeidentified,
          affected: all.map((a) => ({
            studyInstanceUid: a.studyInstanceUid,
            patient: a.patientPseudonym ?? undefined,
            receivedAt: a.receivedAt.getTime(),
            deidentified: a.deidentified,
            notificationRequired: a.notificationRequired,
          })),
        }).toEqual({
          studiesAffected: expected.studiesAffected,
          patientsAffected: expected.patientsAffected,
          patientsToNotify: expected.patientsToNotify,
          hhsNoticeDeadline: expected.hhsNoticeDeadline,
          studiesDeidentified: expected.affected.filter((a) => a.deidentified).length,
          affected: expected.affected.map((a) => ({ ...a, patient: a.patient })),
        });
        affectedSeen += view.studiesAffected;
      }
      // The worlds are not empty: some breach affects something.
      expect(affectedSeen).toBeGreaterThan(0);
    },
  );

  it('should keep, batch by batch, what computing every breach whole gives', async () => {
    const dump = (): Promise<unknown[]> =>
      db.dataSource.query(
        `SELECT a.breach_id, a.study_uid, a.received_at, a.patient, a.deidentified
           FROM rm_breach_affected a ORDER BY a.breach_id, a.study_uid`,
      );
    const counts = (): Promise<unknown[]> =>
      db.dataSource.query(
        `SELECT breach_id, breach_sequence, studies, patients, to_notify, deidentified
           FROM rm_breach_counts ORDER BY breach_id`,
      );
    const [keptRows, keptCounts] = [await dump(), await counts()];
    expect(keptRows.length).toBeGreaterThan(0);
    expect(keptCounts).toHaveLength(WORLDS * 6);
    await db.dataSource.query('DELETE FROM rm_breach_affected');
    await db.dataSource.query('DELETE FROM rm_breach_counts');
    await allBreachImpact(db.dataSource);
    expect(await dump()).toEqual(keptRows);
    expect(await counts()).toEqual(keptCounts);
  });

  it('should hold what the whole-ledger backfill computes after batches out of order', async () => {
    const dump = (): Promise<unknown[]> =>
      db.dataSource.query(
        `SELECT vendor_id, study_uid, kind, at, ledger_sequence FROM rm_vendor_holdings
          ORDER BY vendor_id, study_uid, ledger_sequence`,
      );
    const projected = await dump();
    expect(projected.length).toBeGreaterThan(0);
    await db.dataSource.query('DELETE FROM rm_vendor_holdings');
    await db.dataSource.query(ALL_VENDOR_HOLDINGS);
    expect(await dump()).toEqual(projected);
  });

  it('should keep the resolved studies the whole-ledger backfill computes after batches out of order', async () => {
    const dump = (): Promise<unknown[]> =>
      db.dataSource.query(
        `SELECT study_uid, original_uid, patient, deidentified FROM rm_resolved_studies
          ORDER BY study_uid COLLATE "C"`,
      );
    const projected = await dump();
    expect(projected.length).toBeGreaterThan(0);
    await db.dataSource.query('DELETE FROM rm_resolved_studies');
    await db.dataSource.query(ALL_RESOLVED_STUDIES);
    expect(await dump()).toEqual(projected);
  });
});

async function affectedTargetsOf(
  db: TestDatabase,
  breachId: string,
): Promise<{ affectedTargets?: TargetRef[] }> {
  const [row] = await db.dataSource.query<
    { studies: string[] | null; datasets: string[] | null }[]
  >(
    'SELECT affected_study_uids AS studies, affected_dataset_ids AS datasets FROM rm_breaches WHERE breach_id = $1',
    [breachId],
  );
  if (row.studies === null && row.datasets === null) return {};
  return {
    affectedTargets: [
      ...(row.studies ?? []).map((studyInstanceUid) => ({ studyInstanceUid })),
      ...(row.datasets ?? []).map((datasetId) => ({ datasetId })),
    ],
  };
}
