import fc from 'fast-check';
import {
  PatientRightsIndex,
  deletionRequestForVendor,
  evaluateDeletionRequest,
  type PatientRightsWorld,
} from '@scantrail/compliance';
import {
  AsOfWindow,
  KeptAnswers,
  RequestTally,
  evaluateRequests,
  listNodes,
  requestFact,
  type EvaluatedRequest,
  type RequestRow,
} from './deletion-request.pages';

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

/** What a fresh evaluation of every request made by asOf gives. */
function fresh(
  w: PatientRightsWorld,
  rows: readonly RequestRow[],
  asOf: number,
): EvaluatedRequest[] {
  const index = new PatientRightsIndex(w, asOf);
  return rows.flatMap((row) => {
    const state = evaluateDeletionRequest(requestFact(row), index);
    return state === null ? [] : [{ row, state }];
  });
}

describe('deletion-request pages', () => {
  it('should give, for every asOf in the window it names, what a fresh evaluation as of that time gives', () => {
    fc.assert(
      fc.property(world, requests, asOfs, (w, rows, times) => {
        for (const [n, offset] of times) {
          const asOf = day(n) + offset;
          const { evaluated, window } = evaluateRequests(rows, w, asOf);
          expect(evaluated).toEqual(fresh(w, rows, asOf));
          expect(window.contains(asOf)).toBe(true);
          const lowest = Math.max(window.from, day(-2));
          const highest = Math.min(window.to - 1, day(100));
          for (const other of [lowest, highest, Math.floor((lowest + highest) / 2)]) {
            expect(fresh(w, rows, other)).toEqual(evaluated);
          }
          // Just outside the window the answer may differ; it must at least not claim it.
          expect(window.contains(window.to)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('should filter by status and vendor, and count obligations per vendor, as paging through fresh evaluations does', () => {
    fc.assert(
      fc.property(
        world,
        requests,
        asOfs,
        fc.integer({ min: 1, max: 3 }),
        (w, rows, times, chunk) => {
          for (const [n, offset] of times) {
            const asOf = day(n) + offset;
            const all = fresh(w, rows, asOf);
            // Built chunk by chunk, as the service reads requests.
            const tally = new RequestTally();
            for (let i = 0; i < rows.length; i += chunk) {
              const part = evaluateRequests(rows.slice(i, i + chunk), w, asOf);
              tally.add(part.evaluated, part.window);
            }
            expect(tally.holds.contains(asOf)).toBe(true);
            const key = (e: EvaluatedRequest): string => e.row.request_id;
            const ownV2 = all.flatMap(({ row, state }) => {
              const own = deletionRequestForVendor(state, 'V2');
              return own === null ? [] : [{ row, state: own }];
            });
            expect(tally.matching(undefined, undefined).map((r) => r.requestId)).toEqual(
              all.map(key),
            );
            expect(tally.matching('V2', undefined).map((r) => r.requestId)).toEqual(ownV2.map(key));
            for (const status of ['OPEN', 'OVERDUE', 'FULFILLED', 'EXEMPT'] as const) {
              expect(tally.matching(undefined, status).map((r) => r.requestId)).toEqual(
                all.filter((e) => e.state.status === status).map(key),
              );
              expect(tally.matching('V2', status).map((r) => r.requestId)).toEqual(
                ownV2.filter((e) => e.state.status === status).map(key),
              );
            }
            const counts = new Map<string, Record<string, number>>();
            for (const { state } of all) {
              for (const o of state.obligations) {
                const c = counts.get(o.vendorId) ?? {
                  OPEN: 0,
                  OVERDUE: 0,
                  FULFILLED: 0,
                  EXEMPT: 0,
                };
                c[o.status]++;
                counts.set(o.vendorId, c);
              }
            }
            const lines = tally.obligationCounts();
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
        },
      ),
      { numRuns: 200 },
    );
  });

  describe('KeptAnswers', () => {
    const answer = (value: string, from: number, to: number) => () =>
      Promise.resolve({ value, holds: new AsOfWindow(from, to) });

    it('should serve a kept answer for any asOf in its window, and compute again outside it or after growth', async () => {
      const kept = new KeptAnswers<string>(4, 2);
      const computed: string[] = [];
      const compute = (value: string, from: number, to: number) => () => {
        computed.push(value);
        return answer(value, from, to)();
      };
      expect(await kept.get('10', 'k', 5, compute('a', 0, 10))).toBe('a');
      expect(await kept.get('10', 'k', 9, compute('b', 0, 10))).toBe('a');
      expect(await kept.get('10', 'k', 10, compute('c', 10, 20))).toBe('c');
      expect(await kept.get('10', 'k', 0, compute('d', 0, 10))).toBe('a');
      expect(await kept.get('11', 'k', 5, compute('e', 0, 10))).toBe('e');
      expect(computed).toEqual(['a', 'c', 'e']);
    });

    it('should share one computation between concurrent callers and keep no failure', async () => {
      const kept = new KeptAnswers<string>(4, 2);
      let calls = 0;
      const slow = () => {
        calls++;
        return new Promise<{ value: string; holds: AsOfWindow }>((resolve) =>
          setTimeout(() => resolve({ value: 'x', holds: AsOfWindow.ALWAYS }), 5),
        );
      };
      expect(await Promise.all([kept.get('1', 'k', 1, slow), kept.get('1', 'k', 2, slow)])).toEqual(
        ['x', 'x'],
      );
      expect(calls).toBe(1);
      await expect(kept.get('1', 'f', 1, () => Promise.reject(new Error('down')))).rejects.toThrow(
        'down',
      );
      expect(await kept.get('1', 'f', 1, answer('y', 0, 2))).toBe('y');
    });
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

    it('should show each obligation with its holder, read once per page, and unregistered holders by id', async () => {
      const rows = [row('R1', day(3)), row('R2', day(4))];
      const asked: string[][] = [];
      const lookup = (ids: readonly string[]): Promise<Map<string, typeof v1>> => {
        asked.push([...ids].sort());
        return Promise.resolve(new Map(ids.includes('V1') ? [['V1', v1]] : []));
      };
      const { evaluated: entries } = evaluateRequests(rows, w, day(40));
      const nodes = await listNodes(entries, true, lookup);
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
      const hidden = await listNodes(entries, false, lookup);
      expect(hidden.map((n) => n.patientPseudonym)).toEqual([null, null]);
      expect(hidden[1].obligations).toEqual(nodes[1].obligations);
      expect(asked).toEqual([
        ['V-unregistered', 'V1'],
        ['V-unregistered', 'V1'],
      ]);
    });
  });
});
