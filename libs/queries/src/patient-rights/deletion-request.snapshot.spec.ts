import fc from 'fast-check';
import {
  PatientRightsIndex,
  deletionRequestForVendor,
  evaluateDeletionRequest,
  type PatientRightsWorld,
} from '@scantrail/compliance';
import { DeletionRequestSnapshot, requestFact, type RequestRow } from './deletion-request.snapshot';
import type { LoadedWorld } from './patient-rights-facts.loader';

const DAY = 86_400_000;
const day = (n: number): number => Date.UTC(2025, 0, 1) + n * DAY;

const vendor = fc.constantFrom('V1', 'V2');
const study = fc.constantFrom('S1', 'S2', 'S1-D');
const when = fc.integer({ min: 0, max: 60 }).map(day);
let ids = 0;
const ref = (at: number): { eventId: string; ledgerSequence: number; at: number } => ({
  eventId: `E${++ids}`,
  ledgerSequence: ids,
  at,
});

const world: fc.Arbitrary<PatientRightsWorld> = fc.record({
  studies: fc.tuple(when, when).map(([registeredAt, derivedAt]) => [
    { studyInstanceUid: 'S1', patient: 'P1', patientSystem: 'sys', registeredAt },
    { studyInstanceUid: 'S2', patient: 'P1', patientSystem: 'sys', registeredAt },
    {
      studyInstanceUid: 'S1-D',
      derivedFrom: 'S1',
      methodCodes: ['113100'],
      derivedAt,
    },
  ]),
  datasetMembers: fc.constant([]),
  disclosures: fc.array(
    fc
      .tuple(vendor, study, when)
      .map(([v, s, t]) => ({ ...ref(t), recipientVendorId: v, target: { studyInstanceUid: s } })),
    { maxLength: 5 },
  ),
  transfers: fc.array(
    fc
      .tuple(vendor, study, when)
      .map(([v, s, t]) => ({ ...ref(t), toVendorId: v, target: { studyInstanceUid: s } })),
    { maxLength: 3 },
  ),
  deletions: fc.array(
    fc
      .tuple(vendor, study, when)
      .map(([v, s, t]) => ({ ...ref(t), vendorId: v, target: { studyInstanceUid: s } })),
    { maxLength: 4 },
  ),
  inspections: fc.array(
    fc.tuple(fc.constantFrom<'PASS' | 'FAIL'>('PASS', 'FAIL'), when).map(([result, t]) => ({
      inspectionId: `I${++ids}`,
      studyInstanceUid: 'S1-D',
      at: t,
      ledgerSequence: ids,
      result,
      issueCodes: [],
      patientIdentifiersFound: [],
    })),
    { maxLength: 2 },
  ),
});

const requests: fc.Arbitrary<RequestRow[]> = fc
  .array(fc.tuple(when, fc.integer({ min: 0, max: 30 }), fc.boolean()), {
    minLength: 1,
    maxLength: 4,
  })
  .map((list) =>
    list
      .map(([at, dueIn, scoped], i) => ({
        request_id: `R${i}`,
        patient: 'P1',
        patient_system: 'sys',
        requested_at: new Date(at),
        due_by: new Date(at + dueIn * DAY),
        scope_study_uids: scoped ? ['S1'] : null,
        legal_ground: null,
        event_id: `ER${i}`,
        ledger_sequence: String(1000 + i),
      }))
      .sort((a, b) => a.requested_at.getTime() - b.requested_at.getTime()),
  );

/** asOf values on, just before and just after the interesting instants, and between them. */
const asOfs = fc.array(
  fc.tuple(fc.integer({ min: -1, max: 95 }), fc.constantFrom(-1, 0, 1, DAY / 2)),
  { minLength: 1, maxLength: 12 },
);

describe('DeletionRequestSnapshot', () => {
  it('should give, for any sequence of asOf, what a fresh evaluation as of that time gives', () => {
    fc.assert(
      fc.property(world, requests, asOfs, (w, rows, times) => {
        const loaded: LoadedWorld = { world: w, accessionNumbers: new Map() };
        const snapshot = new DeletionRequestSnapshot('1', rows, loaded);
        for (const [n, offset] of times) {
          const asOf = day(n) + offset;
          const index = new PatientRightsIndex(w, asOf);
          const fresh = rows.flatMap((row) => {
            const state = evaluateDeletionRequest(requestFact(row), index);
            return state === null ? [] : [{ row, state }];
          });
          expect(snapshot.evaluated(asOf, undefined)).toEqual(fresh);
          const ownV2 = fresh.flatMap(({ row, state }) => {
            const own = deletionRequestForVendor(state, 'V2');
            return own === null ? [] : [{ row, state: own }];
          });
          expect(snapshot.evaluated(asOf, 'V2')).toEqual(ownV2);
          for (const status of ['OPEN', 'OVERDUE', 'FULFILLED', 'EXEMPT'] as const) {
            expect(snapshot.evaluated(asOf, undefined, status)).toEqual(
              fresh.filter((e) => e.state.status === status),
            );
            expect(snapshot.evaluated(asOf, 'V2', status)).toEqual(
              ownV2.filter((e) => e.state.status === status),
            );
          }
          const counts = new Map<string, Record<string, number>>();
          for (const { state } of fresh) {
            for (const o of state.obligations) {
              const c = counts.get(o.vendorId) ?? { OPEN: 0, OVERDUE: 0, FULFILLED: 0, EXEMPT: 0 };
              c[o.status]++;
              counts.set(o.vendorId, c);
            }
          }
          const lines = snapshot.obligationCounts(asOf);
          expect(Object.fromEntries(lines.map((l) => [l.vendorId, l.counts]))).toEqual(
            Object.fromEntries(counts),
          );
          // Most overdue first, then most open.
          for (let i = 1; i < lines.length; i++) {
            const [a, b] = [lines[i - 1].counts, lines[i].counts];
            expect(a.OVERDUE > b.OVERDUE || (a.OVERDUE === b.OVERDUE && a.OPEN >= b.OPEN)).toBe(
              true,
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  describe('listNodes', () => {
    const row = (id: string, at: number): RequestRow => ({
      request_id: id,
      patient: 'P1',
      patient_system: 'sys',
      requested_at: new Date(at),
      due_by: new Date(at + 30 * DAY),
      scope_study_uids: null,
      legal_ground: 'CCPA',
      event_id: `E-${id}`,
      ledger_sequence: '7',
    });
    const w: PatientRightsWorld = {
      studies: [
        { studyInstanceUid: 'S1', patient: 'P1', patientSystem: 'sys', registeredAt: day(0) },
      ],
      datasetMembers: [],
      disclosures: [
        { ...ref(day(1)), recipientVendorId: 'V1', target: { studyInstanceUid: 'S1' } },
        { ...ref(day(2)), recipientVendorId: 'V-unregistered', target: { studyInstanceUid: 'S1' } },
      ],
      transfers: [],
      deletions: [{ ...ref(day(5)), vendorId: 'V1', target: { studyInstanceUid: 'S1' } }],
      inspections: [],
    };
    const v1 = {
      vendorId: 'V1',
      name: 'Vendor One',
      address: 'https://v1.example',
      role: 'AI_VENDOR',
    };

    it('should show each obligation with its holder, read once per snapshot, and unregistered holders by id', async () => {
      const snapshot = new DeletionRequestSnapshot('1', [row('R1', day(3)), row('R2', day(4))], {
        world: w,
        accessionNumbers: new Map(),
      });
      const asked: string[][] = [];
      const lookup = (ids: readonly string[]): Promise<Map<string, typeof v1>> => {
        asked.push([...ids].sort());
        return Promise.resolve(new Map(ids.includes('V1') ? [['V1', v1]] : []));
      };
      const entries = snapshot.evaluated(day(40), undefined);
      const nodes = await snapshot.listNodes(entries, true, lookup);
      expect(nodes.map((n) => n.requestId)).toEqual(['R1', 'R2']);
      expect(nodes[0]).toMatchObject({
        patientPseudonym: 'P1',
        legalGround: 'CCPA',
        status: 'OVERDUE',
        ledgerSequence: 7,
      });
      expect(nodes[0].obligations).toEqual([
        expect.objectContaining({
          vendorId: 'V-unregistered',
          status: 'OVERDUE',
          attestedAt: null,
          vendor: {
            vendorId: 'V-unregistered',
            name: 'V-unregistered',
            address: null,
            role: 'OTHER',
          },
        }),
        expect.objectContaining({
          vendorId: 'V1',
          status: 'FULFILLED',
          attestedAt: new Date(day(5)),
          vendor: v1,
        }),
      ]);
      // Asked again, and without the pseudonym: no second lookup, the same holders.
      const again = await snapshot.listNodes(entries, true, lookup);
      expect(again).toEqual(nodes);
      const hidden = await snapshot.listNodes(entries, false, lookup);
      expect(hidden.map((n) => n.patientPseudonym)).toEqual([null, null]);
      expect(hidden[1].obligations).toEqual(nodes[1].obligations);
      expect(asked).toEqual([['V-unregistered', 'V1']]);
    });
  });
});
