// Black-box check of CONTRACT.md sections 1-4 over one scenario produced to real Kafka and
// read back through the real GraphQL API. Every expected value below is derived by hand
// from the contract (the comment names the rule); none was copied from the product.
import {
  leafHash,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '@scantrail/ledger';
import { GraphqlClient, type Connection, type GraphqlResponse } from './graphql-client';
import {
  chainHashes,
  consistencyPath,
  inclusionPath,
  jcs,
  leafHashOf,
  merkleRoot,
  openSignedNote,
} from './independent-ledger';
import {
  ALPHA,
  ALPHA_ADDRESS,
  BETA,
  DELTA,
  DS1,
  EPSILON,
  GAMMA,
  MODEL_ICH,
  PATIENTS,
  UID,
  VENDOR_NAMES,
  type BadMessage,
  QUARANTINED_MRN,
  GAMMA_ADDRESS,
  type PatientKey,
  type ScenarioEvent,
} from './scenario-events';
import { ScenarioHarness, type Produced } from './scenario-harness';

const h = new ScenarioHarness();
const ev = h.scenario.events;
let bad: Produced<BadMessage>[] = [];
let officer = '';
let auditor = '';
let alphaToken = '';
const OFFICER_SUB = 'po-scenario-officer';
const startedAt = Date.now();

// Counts derived by hand from scenario-events.ts (see each list there).
/**
 * Phase 1: 5 vendors, 6 agreement events, 17 studies, 6 derivations, 20 consents, 11
 * revocations, 5 dataset events, 36 disclosures, 10 transfers, 2 models, 7 deletions.
 */
const PHASE1_SIZE = 125;
/**
 * Plus 7 late events (alpha twice, the DENY, D7 joining DS1, gamma's tie, P6's consent,
 * beta's deletion).
 */
const FULL_SIZE = 132;
/** The rows of expectedFindings(). */
const TOTAL_FINDINGS = 32;

/** Phase-1 ledger state, kept to prove the later log extends it. */
let phase1State: { treeSize: number; rootHash: string; checkpoint: string } | undefined;

const iso = (t: string): string => new Date(t).toISOString();
/** RFC 3339 date-time (section 3: scalar DateTime). */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const b64 = (b: Buffer): string => b.toString('base64');
const gql = <T>(token: string, query: string, variables: Record<string, unknown> = {}) =>
  h.client.data<T>(token, query, variables);

// ---------------------------------------------------------------- findings, by hand

type Code =
  | 'NO_AGREEMENT'
  | 'NO_CONSENT'
  | 'CONSENT_REVOKED'
  | 'CONSENT_EXPIRED'
  | 'PATIENT_OBJECTED'
  | 'NOT_DEIDENTIFIED'
  | 'FACE_NOT_REMOVED'
  | 'UNAUTHORIZED_ONWARD_TRANSFER'
  | 'RETAINED_AFTER_REVOCATION';

interface FindingNode {
  code: Code;
  studyInstanceUid: string;
  vendorId: string;
  eventId: string;
  occurredAt: string;
  ledgerSequence: number;
  detail: string;
}

const finding = (code: Code, study: string, vendorId: string, about: ScenarioEvent) => ({
  code,
  studyInstanceUid: study,
  vendorId,
  // Section 2: eventId and occurredAt are those of the disclosure or transfer.
  eventId: about.event.id,
  occurredAt: iso(about.event.time),
});
type ExpectedFinding = ReturnType<typeof finding>;

/**
 * The complete set of findings once every event is known (section 2). Every disclosure and
 * transfer of the scenario not listed here must give none; why is noted in scenario terms.
 *  - xOld, xTreat (TREATMENT), xLaw (REQUIRED_BY_LAW): no agreement or objection rule applies.
 *  - xHco: beta's BAA permits HEALTHCARE_OPERATIONS from 2024-01-01.
 *  - xAuthOk: cns-scn-p1 (P1, AI_TRAINING, alpha, scope CT) covers S1 (CT).
 *  - xDeidOk: D1A carries 113100 and 113102. xLds: alpha permits RESEARCH.
 *  - xAuthDerivCt: D1A has its original's modality CT, so cns-scn-p1 (scope CT) covers it.
 *  - t11a at 2025-12-31T23:59:59.999Z: alpha's agreement (expiresAt date) still in force.
 *  - xDs1 at 2024-07-10 carries D1A, D2 and the late D7, not D1B (joined 2024-08-01 > t);
 *    D1A and D2 give none (D7's finding is listed).
 *  - x4a at 2024-03-31T23:59:59.999Z: cns-scn-p4's date validUntil closes at that instant;
 *    x4c at 2024-04-01T01:30:00+02:00 is 2024-03-31T23:30:00Z, inside the period too.
 *  - x6: the late cns-scn-p6 (validFrom 2024-06-01) covers it.
 *  - x8: relied on cns-scn-p8 (revoked 2024-05-01); alpha attested deletion of S8 on
 *    2024-06-01 and beta (received S8 by t8 on 2024-03-15, after t) attested deletion of
 *    DS8, which holds S8 since 2024-02-01, on 2024-06-15 (late): both after the revocation.
 *  - x6 at 2024-06-01T00:00:00Z: cns-scn-p6's date validFrom opens at that instant.
 *  - t1, t8, t10a (alpha allows onward transfer; beta permits AI_TRAINING), t3 (delta
 *    permits RESEARCH).
 *  - x8 is not kept alive by t8x (beta -> delta on 2024-03-10): beta only got S8 from
 *    alpha on 2024-03-15, so that hop is no part of a chain from alpha (section 2).
 */
function expectedFindings(): ExpectedFinding[] {
  return [
    // NO_AGREEMENT: basis IRB_WAIVER; gamma's only agreement was terminated at
    // 2024-03-01T00:00Z, at or before t = 2024-03-07.
    finding('NO_AGREEMENT', UID.S1C, GAMMA, ev.xIrb),
    // NO_AGREEMENT: basis DEIDENTIFIED; gamma has no agreement in force (nor AI_TRAINING).
    finding('NO_AGREEMENT', UID.D7B, GAMMA, ev.x7b),
    // NO_AGREEMENT: x12 is 1 ms before alpha's agreement opens (effectiveFrom date 00:00Z).
    finding('NO_AGREEMENT', UID.D2, ALPHA, ev.x12),
    // UNAUTHORIZED_ONWARD_TRANSFER: t11b is 1 ms after alpha's agreement closed.
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.S2, ALPHA, ev.t11b),
    // FACE_NOT_REMOVED: D7B derives from an MR BRAIN and lacks 113102.
    finding('FACE_NOT_REMOVED', UID.D7B, GAMMA, ev.x7b),
    // NO_CONSENT: PATIENT_AUTHORIZATION; P1's AI_TRAINING PERMIT is scoped to CT and S1C
    // is a CR; P1's other PERMIT is for RESEARCH only; nothing revoked or ended.
    finding('NO_CONSENT', UID.S1C, ALPHA, ev.xAuthFail),
    // NOT_DEIDENTIFIED: basis DEIDENTIFIED but S1C is an original, not a derivative.
    finding('NOT_DEIDENTIFIED', UID.S1C, ALPHA, ev.xDeidBad),
    // FACE_NOT_REMOVED: D1B is a derivative of a derivative of a CT HEAD, codes
    // [113100, 113101]; 113100 present so no NOT_DEIDENTIFIED.
    finding('FACE_NOT_REMOVED', UID.D1B, ALPHA, ev.xDeidFace),
    // FACE_NOT_REMOVED "whatever the basis"; no consent code: cns-scn-p1-research (P1,
    // RESEARCH, any vendor, scope S1) covers D1B through its original's uid.
    finding('FACE_NOT_REMOVED', UID.D1B, ALPHA, ev.xAuthDeriv),
    // UNAUTHORIZED_ONWARD_TRANSFER: beta's agreement does not allow onward transfer (and
    // delta's permits RESEARCH only). DS1 at 2024-09-01 holds D1A, D2 and D1B; one finding
    // per study; vendorId is the sender. Only this code applies to a transfer, so D1B
    // gives no FACE_NOT_REMOVED here.
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.D1A, BETA, ev.t2),
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.D2, BETA, ev.t2),
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.D1B, BETA, ev.t2),
    // UNAUTHORIZED_ONWARD_TRANSFER: alpha may pass data on, but delta has no agreement
    // permitting AI_TRAINING.
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.S2, ALPHA, ev.t5),
    // NO_CONSENT: P2 has no consent at all.
    finding('NO_CONSENT', UID.S2, ALPHA, ev.x2),
    // CONSENT_REVOKED: cns-scn-p3 (begun 2024-01-01) revoked 2024-04-01 <= t = 2024-05-01.
    // cns-scn-p3-old also ended, but EXPIRED requires that none was revoked.
    finding('CONSENT_REVOKED', UID.S3, ALPHA, ev.x3),
    // CONSENT_EXPIRED: cns-scn-p4 ended 2024-03-31T23:59:59.999Z < t = 2024-04-15.
    finding('CONSENT_EXPIRED', UID.S4, ALPHA, ev.x4b),
    // PATIENT_OBJECTED: the DENY cns-scn-p5-deny (P5, AI_TRAINING, any recipient, from
    // 2024-05-01) arrived after the disclosure of 2024-06-01; cns-scn-p5 still permits, so
    // no consent code.
    finding('PATIENT_OBJECTED', UID.S5, ALPHA, ev.x5),
    // NOT_DEIDENTIFIED: D7 lacks 113100; it has 113102, so no FACE_NOT_REMOVED.
    finding('NOT_DEIDENTIFIED', UID.D7, ALPHA, ev.x7),
    // Late membership: D7 joined DS1 on 2024-07-05 (published last), so xDs1 (2024-07-10)
    // carried it: NOT_DEIDENTIFIED for beta; and t2 carried it too (below).
    finding('NOT_DEIDENTIFIED', UID.D7, BETA, ev.xDs1),
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.D7, BETA, ev.t2),
    // RETAINED_AFTER_REVOCATION: x9 relied on cns-scn-p9, revoked 2024-04-01; alpha's only
    // deletion of S9 (2024-03-01) came before the revocation.
    finding('RETAINED_AFTER_REVOCATION', UID.S9, ALPHA, ev.x9),
    // RETAINED_AFTER_REVOCATION: x10 relied on cns-scn-p10, revoked 2024-05-01; alpha and
    // beta (t10a, 2024-03-10) deleted S10 after it, but delta got it from beta further on
    // (t10b, 2024-03-20, after the hop before) and never attested deletion.
    finding('RETAINED_AFTER_REVOCATION', UID.S10, ALPHA, ev.x10),
    // UNAUTHORIZED_ONWARD_TRANSFER: beta may not pass data on (t8x, t10b).
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.S8, BETA, ev.t8x),
    finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.S10, BETA, ev.t10b),
    // --- edge cases, all to epsilon (agreement: AI_TRAINING, RESEARCH from 2024-01-01).
    // e3 gives none: cns-scn-p13b still covers S13 and is never revoked, so not "every
    // covering PERMIT consent in force at t was later revoked".
    // NO_CONSENT, not CONSENT_REVOKED: cns-scn-p11 was revoked, but its period had not
    // begun at t (validFrom 2024-06-01 > 2024-04-01).
    finding('NO_CONSENT', UID.S11, EPSILON, ev.e1),
    // NO_CONSENT: the only revoked consent of P12 is for RESEARCH, so it does not cover an
    // AI_TRAINING disclosure (reading "one" in CONSENT_REVOKED as a covering consent).
    finding('NO_CONSENT', UID.S12, EPSILON, ev.e2),
    // NO_CONSENT: cns-scn-p14's scope names S14 but also modality CT; S14 is an MR and
    // "every criterion of its scope" must match. No PATIENT_OBJECTED: one DENY names only
    // alpha, one was revoked on 2024-03-01 <= t, one ended 2024-02-29.
    finding('NO_CONSENT', UID.S14, EPSILON, ev.e4),
    // RETAINED_AFTER_REVOCATION: both covering consents were revoked, the last on
    // 2024-06-01; epsilon's deletions of S15 and of DS16 (holding S15) were on 2024-05-01.
    finding('RETAINED_AFTER_REVOCATION', UID.S15, EPSILON, ev.e5),
    // RETAINED_AFTER_REVOCATION: epsilon deleted DS16 on 2024-05-01, but S16 joined DS16
    // only on 2024-05-15, so that deletion does not count for S16.
    finding('RETAINED_AFTER_REVOCATION', UID.S16, EPSILON, ev.e6),
    // NOT_DEIDENTIFIED: D7C's own codes [113102] lack 113100, though its source D7B has it.
    finding('NOT_DEIDENTIFIED', UID.D7C, EPSILON, ev.e7),
    // NO_AGREEMENT: epsilon's agreement does not permit PUBLIC_HEALTH (basis LIMITED_DATA_SET).
    finding('NO_AGREEMENT', UID.S11, EPSILON, ev.e8),
    // CONSENT_REVOKED: cns-scn-p12 (RESEARCH) revoked at 2024-02-01T00:00Z, the very instant
    // of e9: "revoked at or before t".
    finding('CONSENT_REVOKED', UID.S12, EPSILON, ev.e9),
  ];
}

const FINDING_FIELDS = 'code studyInstanceUid vendorId eventId occurredAt ledgerSequence detail';
const FINDINGS_QUERY = `query($code: FindingCode, $vendorId: String, $study: String, $first: Int, $after: String) {
  findings(code: $code, vendorId: $vendorId, studyInstanceUid: $study, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${FINDING_FIELDS} } } } }`;

interface FindingFilter {
  code?: Code;
  vendorId?: string;
  study?: string;
}

/** Every finding matching the filter, page by page. */
async function allFindings(
  token: string,
  filter: FindingFilter = {},
  first = 10,
): Promise<{ totalCount: number; nodes: FindingNode[] }> {
  const nodes: FindingNode[] = [];
  let after: string | null = null;
  let totalCount = -1;
  for (let page = 0; page < 50; page += 1) {
    const { findings }: { findings: Connection<FindingNode> } = await gql<{
      findings: Connection<FindingNode>;
    }>(token, FINDINGS_QUERY, {
      ...filter,
      first,
      after,
    });
    totalCount = findings.totalCount;
    nodes.push(...findings.edges.map((e) => e.node));
    if (!findings.pageInfo.hasNextPage) return { totalCount, nodes };
    after = findings.pageInfo.endCursor;
  }
  throw new Error('findings never ended');
}

const comparable = (
  f: Pick<FindingNode, 'code' | 'studyInstanceUid' | 'vendorId' | 'eventId' | 'occurredAt'>,
) =>
  JSON.stringify({
    code: f.code,
    studyInstanceUid: f.studyInstanceUid,
    vendorId: f.vendorId,
    eventId: f.eventId,
    occurredAt: iso(f.occurredAt),
  });
const sortedComparable = (list: readonly Parameters<typeof comparable>[0][]): string[] =>
  list.map(comparable).sort();

// ---------------------------------------------------------------- ledger helpers

interface LedgerEntryNode {
  sequence: number;
  leafData: string;
  leafHash: string;
  chainHash: string;
}
const entryCache = new Map<number, LedgerEntryNode>();

async function ledgerEntry(sequence: number): Promise<LedgerEntryNode> {
  const cached = entryCache.get(sequence);
  if (cached) return cached;
  const { ledgerEntry } = await gql<{ ledgerEntry: LedgerEntryNode | null }>(
    officer,
    'query($s: Int!) { ledgerEntry(sequence: $s) { sequence leafData leafHash chainHash } }',
    { s: sequence },
  );
  if (!ledgerEntry) throw new Error(`no ledger entry ${sequence}`);
  entryCache.set(sequence, ledgerEntry);
  return ledgerEntry;
}

/** The CloudEvent id recorded at a ledger sequence: checks a ledgerSequence field. */
async function eventIdAt(sequence: number): Promise<string> {
  return (JSON.parse((await ledgerEntry(sequence)).leafData) as { id: string }).id;
}

async function expectSequencesName(items: readonly { ledgerSequence: number; id: string }[]) {
  const actual = await Promise.all(
    items.map(async (i) => [i.id, await eventIdAt(i.ledgerSequence)]),
  );
  expect(actual).toEqual(items.map((i) => [i.id, i.id]));
}

const LEDGER_QUERY = '{ ledger { treeSize rootHash checkpoint } verifierKey }';
interface LedgerAnswer {
  ledger: { treeSize: number; rootHash: string; checkpoint: string };
  verifierKey: string;
}

/**
 * Waits for a checkpoint covering the whole log. Section 4: one comes within
 * CHECKPOINT_INTERVAL_S (1 s in these settings) after the log stops growing; 5 s of slack.
 */
async function settledLedger(expectedSize: number): Promise<LedgerAnswer> {
  const deadline = Date.now() + 1000 * h.settings.checkpointIntervalS + 5000;
  for (;;) {
    const answer = await gql<LedgerAnswer>(officer, LEDGER_QUERY);
    const text = openSignedNote(answer.ledger.checkpoint, answer.verifierKey);
    const size = Number(text.split('\n')[1]);
    if (answer.ledger.treeSize === expectedSize && size === expectedSize) return answer;
    if (Date.now() > deadline) {
      throw new Error(
        `ledger treeSize ${answer.ledger.treeSize}, checkpoint size ${size}; expected ${expectedSize}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The pseudonym the ledger stored for a patient, read from its study.registered entry. */
async function pseudonymOf(who: PatientKey): Promise<string> {
  const registration = h.scenario.distinct.find(
    (e) =>
      e.event.type === 'org.scantrail.study.registered' &&
      (e.event.data as { patient: { value: string } }).patient.value === PATIENTS[who].value,
  );
  const uid = (registration!.event.data as { studyInstanceUid: string }).studyInstanceUid;
  const size = (await gql<LedgerAnswer>(officer, LEDGER_QUERY)).ledger.treeSize;
  for (let s = 0; s < size; s += 1) {
    const leaf = JSON.parse((await ledgerEntry(s)).leafData) as {
      type: string;
      data: { studyInstanceUid?: string; patient?: { value: string } };
    };
    if (leaf.type === 'org.scantrail.study.registered' && leaf.data.studyInstanceUid === uid) {
      return leaf.data.patient!.value;
    }
  }
  throw new Error(`no study.registered entry for ${who}`);
}

// ---------------------------------------------------------------- lifecycle

beforeAll(async () => {
  await h.start();
  officer = h.token(['privacy_officer'], { sub: OFFICER_SUB });
  auditor = h.token(['auditor'], { sub: 'auditor-scenario' });
  alphaToken = h.token(['vendor'], { sub: 'alpha-dashboard', vendorId: ALPHA });
}, 60000);

afterAll(async () => {
  await h.stop();
});

describe('lineage scenario over real Kafka, through GraphQL', () => {
  describe('phase 1: events in reverse order across 3 partitions', () => {
    it('should give the findings known so far when phase 1 is ingested', async () => {
      await h.publish(h.scenario.phase1);
      await h.settled();
      // Distinct events; vGamma and vDelta share an id but not a source (section 1).
      expect(h.scenario.phase1).toHaveLength(PHASE1_SIZE);
      const state = await settledLedger(PHASE1_SIZE);
      phase1State = state.ledger;

      // No DENY known yet: cns-scn-p5 covers x5.
      expect((await allFindings(officer, { study: UID.S5 })).nodes).toEqual([]);
      // No consent of P6 known yet: NO_CONSENT.
      expect(sortedComparable((await allFindings(officer, { study: UID.S6 })).nodes)).toEqual(
        sortedComparable([finding('NO_CONSENT', UID.S6, ALPHA, ev.x6)]),
      );
      // Beta got S8 from alpha after x8 and has not attested deletion yet.
      expect(sortedComparable((await allFindings(officer, { study: UID.S8 })).nodes)).toEqual(
        sortedComparable([
          finding('RETAINED_AFTER_REVOCATION', UID.S8, ALPHA, ev.x8),
          finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.S8, BETA, ev.t8x),
        ]),
      );
      const names = await gql<{ a: { name: string }; g: { name: string } }>(
        officer,
        `{ a: vendor(vendorId: "${ALPHA}") { name } g: vendor(vendorId: "${GAMMA}") { name } }`,
      );
      expect([names.a.name, names.g.name]).toEqual([
        VENDOR_NAMES.alphaFirst,
        VENDOR_NAMES.gammaFirst,
      ]);
    });
  });

  describe('phase 2: late events, duplicates, bad messages', () => {
    it('should record late events as if in time, duplicates once, and quarantine bad messages', async () => {
      bad = await h.publishPhase2();
      await h.settled();
      // Section 1: a re-published event (same source and id) is recorded once, and bad
      // messages block no partition (three late events follow them, one per partition).
      expect(h.scenario.distinct).toHaveLength(FULL_SIZE);
      await settledLedger(FULL_SIZE);
      // Alpha re-registered: the event with the latest time wins (2024-06-01 over the
      // first 2024-01-01 and the stale 2023-06-01 that arrived last).
      const { vendor } = await gql<{ vendor: { name: string; address: string; role: string } }>(
        officer,
        `{ vendor(vendorId: "${ALPHA}") { name address role } }`,
      );
      expect(vendor).toEqual({
        name: VENDOR_NAMES.alpha,
        address: ALPHA_ADDRESS,
        role: 'AI_DEVELOPER',
      });
      // Gamma registered twice with the same time: the later ledger sequence wins.
      const gamma = await gql<{ vendor: { name: string } }>(
        officer,
        `{ vendor(vendorId: "${GAMMA}") { name } }`,
      );
      expect(gamma.vendor.name).toBe(VENDOR_NAMES.gamma);
    });
  });

  describe('findings', () => {
    it('should report exactly the findings the contract gives when every event is known', async () => {
      const { totalCount, nodes } = await allFindings(officer);
      expect(sortedComparable(nodes)).toEqual(sortedComparable(expectedFindings()));
      expect(totalCount).toBe(TOTAL_FINDINGS);
      for (const n of nodes) {
        expect(n.detail.length).toBeGreaterThan(0);
        expect(n.occurredAt).toMatch(RFC3339);
      }
      await expectSequencesName(
        nodes.map((n) => ({ ledgerSequence: n.ledgerSequence, id: n.eventId })),
      );
    });

    it.each([
      // [filter, what the contract's table gives for it]
      [{ code: 'FACE_NOT_REMOVED' }, 3],
      [{ code: 'UNAUTHORIZED_ONWARD_TRANSFER' }, 8],
      [{ code: 'NO_AGREEMENT' }, 4],
      [{ code: 'NO_CONSENT' }, 5],
      [{ code: 'NOT_DEIDENTIFIED' }, 4],
      [{ code: 'CONSENT_REVOKED' }, 2],
      [{ code: 'CONSENT_EXPIRED' }, 1],
      [{ code: 'PATIENT_OBJECTED' }, 1],
      [{ code: 'RETAINED_AFTER_REVOCATION' }, 4],
      [{ vendorId: GAMMA }, 3],
      [{ vendorId: BETA }, 7],
      [{ vendorId: DELTA }, 0],
      [{ vendorId: EPSILON }, 8],
      [{ vendorId: ALPHA }, 14],
      [{ study: UID.D1B }, 3],
      [{ study: UID.S1 }, 0],
      [{ code: 'UNAUTHORIZED_ONWARD_TRANSFER', vendorId: BETA }, 6],
      [{ code: 'NO_CONSENT', study: UID.S2 }, 1],
    ] as [FindingFilter, number][])(
      'should filter findings when asked for %j',
      async (filter, count) => {
        const { totalCount, nodes } = await allFindings(officer, filter);
        const expected = expectedFindings().filter(
          (f) =>
            (filter.code === undefined || f.code === filter.code) &&
            (filter.vendorId === undefined || f.vendorId === filter.vendorId) &&
            (filter.study === undefined || f.studyInstanceUid === filter.study),
        );
        expect(expected).toHaveLength(count); // the hand count agrees with the table
        expect(totalCount).toBe(count);
        expect(sortedComparable(nodes)).toEqual(sortedComparable(expected));
      },
    );

    it('should page findings with first/after without loss or repetition', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      const pages: number[] = [];
      for (;;) {
        const { findings }: { findings: Connection<FindingNode> } = await gql<{
          findings: Connection<FindingNode>;
        }>(officer, FINDINGS_QUERY, {
          first: 6,
          after,
        });
        expect(findings.totalCount).toBe(TOTAL_FINDINGS);
        pages.push(findings.edges.length);
        seen.push(...findings.edges.map((e) => comparable(e.node)));
        if (!findings.pageInfo.hasNextPage) break;
        expect(findings.pageInfo.endCursor).toBe(findings.edges[findings.edges.length - 1].cursor);
        after = findings.pageInfo.endCursor;
      }
      expect(pages).toEqual([6, 6, 6, 6, 6, 2]);
      expect(seen.sort()).toEqual(sortedComparable(expectedFindings()));
    });
  });

  describe('study', () => {
    const STUDY = `query($uid: String!) { study(studyInstanceUid: $uid) {
      studyInstanceUid modality bodyPart studyDate methodCodes
      derivedFrom { studyInstanceUid derivedFrom { studyInstanceUid } }
      derivatives { studyInstanceUid }
      disclosures { disclosureId occurredAt purpose legalBasis studyInstanceUid datasetId ledgerSequence
        recipient { vendorId name } findings { ${FINDING_FIELDS} } }
      findings { ${FINDING_FIELDS} } } }`;
    interface StudyNode {
      studyInstanceUid: string;
      modality: string;
      bodyPart: string | null;
      studyDate: string | null;
      methodCodes: string[];
      derivedFrom: {
        studyInstanceUid: string;
        derivedFrom: { studyInstanceUid: string } | null;
      } | null;
      derivatives: { studyInstanceUid: string }[];
      disclosures: {
        disclosureId: string;
        occurredAt: string;
        purpose: string;
        legalBasis: string;
        studyInstanceUid: string;
        datasetId: string | null;
        ledgerSequence: number;
        recipient: { vendorId: string; name: string };
        findings: FindingNode[];
      }[];
      findings: FindingNode[];
    }
    const studyOf = async (uid: string) =>
      (await gql<{ study: StudyNode | null }>(officer, STUDY, { uid })).study;
    const disclosureRow = (
      e: ScenarioEvent,
      study: string,
      datasetId: string | null,
      recipientName: string,
    ) => {
      const d = e.event.data as {
        disclosureId: string;
        purpose: string;
        legalBasis: string;
        recipientVendorId: string;
      };
      return {
        disclosureId: d.disclosureId,
        occurredAt: iso(e.event.time),
        purpose: d.purpose,
        legalBasis: d.legalBasis,
        studyInstanceUid: study,
        datasetId,
        recipient: { vendorId: d.recipientVendorId, name: recipientName },
      };
    };
    const withoutExtras = (s: StudyNode) =>
      s.disclosures
        .map(({ findings: _f, ledgerSequence: _l, ...rest }) => ({
          ...rest,
          occurredAt: iso(rest.occurredAt),
        }))
        .sort((a, b) => a.disclosureId.localeCompare(b.disclosureId));
    const byId = <T extends { disclosureId: string }>(rows: T[]) =>
      rows.sort((a, b) => a.disclosureId.localeCompare(b.disclosureId));

    it('should describe a derivative of a derivative by its own codes and its original patient data', async () => {
      const d1b = (await studyOf(UID.D1B))!;
      // Section 2: a derivative has its original study's modality and body part; method
      // codes are its own.
      expect(d1b).toMatchObject({
        studyInstanceUid: UID.D1B,
        modality: 'CT',
        bodyPart: 'HEAD',
        methodCodes: ['113100', '113101'],
        derivedFrom: { studyInstanceUid: UID.D1A, derivedFrom: { studyInstanceUid: UID.S1 } },
        derivatives: [],
      });
      // xDs1 carried DS1's members at 2024-07-10 only: D1B joined on 2024-08-01.
      expect(withoutExtras(d1b)).toEqual(
        byId([
          disclosureRow(ev.xDeidFace, UID.D1B, null, VENDOR_NAMES.alpha),
          disclosureRow(ev.xAuthDeriv, UID.D1B, null, VENDOR_NAMES.alpha),
        ]),
      );
      for (const d of d1b.disclosures) {
        expect(sortedComparable(d.findings)).toEqual(
          sortedComparable([
            finding(
              'FACE_NOT_REMOVED',
              UID.D1B,
              ALPHA,
              d.disclosureId === 'dsc-scn-deid-face' ? ev.xDeidFace : ev.xAuthDeriv,
            ),
          ]),
        );
      }
      expect(sortedComparable(d1b.findings)).toEqual(
        sortedComparable(expectedFindings().filter((f) => f.studyInstanceUid === UID.D1B)),
      );
      await expectSequencesName(
        d1b.disclosures.map((d) => ({
          ledgerSequence: d.ledgerSequence,
          id: `evt-${d.disclosureId}`,
        })),
      );
    });

    it('should show a derivative in a dataset with its dataset disclosure', async () => {
      const d1a = (await studyOf(UID.D1A))!;
      expect(d1a).toMatchObject({
        modality: 'CT',
        bodyPart: 'HEAD',
        methodCodes: ['113100', '113101', '113102'],
        derivedFrom: { studyInstanceUid: UID.S1, derivedFrom: null },
        derivatives: [{ studyInstanceUid: UID.D1B }],
      });
      expect(withoutExtras(d1a)).toEqual(
        byId([
          disclosureRow(ev.xDeidOk, UID.D1A, null, VENDOR_NAMES.alpha),
          disclosureRow(ev.xAuthDerivCt, UID.D1A, null, VENDOR_NAMES.alpha),
          disclosureRow(ev.xDs1, UID.D1A, DS1, VENDOR_NAMES.beta),
        ]),
      );
      // Only t2's transfer finding concerns D1A.
      expect(sortedComparable(d1a.findings)).toEqual(
        sortedComparable([finding('UNAUTHORIZED_ONWARD_TRANSFER', UID.D1A, BETA, ev.t2)]),
      );
    });

    it('should show an original study with its derivatives and every disclosure of it', async () => {
      const s1 = (await studyOf(UID.S1))!;
      expect(s1).toMatchObject({
        modality: 'CT',
        bodyPart: 'HEAD',
        studyDate: '2018-05-01',
        methodCodes: [],
        derivedFrom: null,
        findings: [],
      });
      expect(s1.derivatives.map((d) => d.studyInstanceUid)).toContain(UID.D1A);
      expect(s1.derivatives.map((d) => d.studyInstanceUid)).not.toContain(UID.S1C);
      expect(withoutExtras(s1)).toEqual(
        byId([
          disclosureRow(ev.xOld, UID.S1, null, VENDOR_NAMES.beta),
          disclosureRow(ev.xTreat, UID.S1, null, VENDOR_NAMES.beta),
          disclosureRow(ev.xLaw, UID.S1, null, VENDOR_NAMES.gamma),
          disclosureRow(ev.xAuthOk, UID.S1, null, VENDOR_NAMES.alpha),
        ]),
      );
      const s1c = (await studyOf(UID.S1C))!;
      expect(s1c.disclosures.map((d) => d.disclosureId).sort()).toEqual([
        'dsc-scn-auth-fail',
        'dsc-scn-deid-bad',
        'dsc-scn-hco',
        'dsc-scn-irb',
        'dsc-scn-lds',
      ]);
      expect(sortedComparable(s1c.findings)).toEqual(
        sortedComparable(expectedFindings().filter((f) => f.studyInstanceUid === UID.S1C)),
      );
      expect(await studyOf('1.2.3.4.5.999')).toBeNull();
    });
  });

  describe('trace', () => {
    it('should return every node and edge that carried S1 or its derivatives', async () => {
      interface Trace {
        trace: {
          nodes: { id: string; kind: string; label: string }[];
          edges: {
            from: string;
            to: string;
            kind: string;
            occurredAt: string;
            eventId: string;
            ledgerSequence: number;
          }[];
        };
      }
      const { trace } = await gql<Trace>(
        officer,
        `{ trace(studyInstanceUid: "${UID.S1}") { nodes { id kind label }
           edges { from to kind occurredAt eventId ledgerSequence } } }`,
      );
      const edge = (kind: string, from: string, to: string, e: ScenarioEvent) =>
        JSON.stringify({ kind, from, to, eventId: e.event.id, occurredAt: iso(e.event.time) });
      // Section 3 "Lineage edges point the way the data went"; an onward transfer or a
      // model belongs to the trace only if its target was S1, a derivative, or a dataset
      // holding one. D2's membership of DS1, t5/t8 and the S2 model did not carry S1.
      const expectedEdges = [
        edge('DERIVED', UID.S1, UID.D1A, ev.deD1A),
        edge('DERIVED', UID.D1A, UID.D1B, ev.deD1B),
        edge('MEMBER_OF', UID.D1A, DS1, ev.ds1a),
        edge('MEMBER_OF', UID.D1B, DS1, ev.ds1b),
        edge('DISCLOSED', UID.S1, BETA, ev.xOld),
        edge('DISCLOSED', UID.S1, BETA, ev.xTreat),
        edge('DISCLOSED', UID.S1, GAMMA, ev.xLaw),
        edge('DISCLOSED', UID.S1, ALPHA, ev.xAuthOk),
        edge('DISCLOSED', UID.D1A, ALPHA, ev.xDeidOk),
        edge('DISCLOSED', UID.D1A, ALPHA, ev.xAuthDerivCt),
        edge('DISCLOSED', UID.D1B, ALPHA, ev.xDeidFace),
        edge('DISCLOSED', UID.D1B, ALPHA, ev.xAuthDeriv),
        edge('DISCLOSED', DS1, BETA, ev.xDs1),
        edge('ONWARD_TRANSFER', ALPHA, BETA, ev.t1),
        edge('ONWARD_TRANSFER', BETA, DELTA, ev.t2),
        edge('ONWARD_TRANSFER', ALPHA, DELTA, ev.t3),
        edge('TRAINED', DS1, MODEL_ICH, ev.mIch),
        edge('DELETED', UID.D1A, BETA, ev.delD1A),
      ].sort();
      const actualEdges = trace.edges
        .map((e) =>
          JSON.stringify({
            kind: e.kind,
            from: e.from,
            to: e.to,
            eventId: e.eventId,
            occurredAt: iso(e.occurredAt),
          }),
        )
        .sort();
      expect(actualEdges).toEqual(expectedEdges);
      expect(trace.nodes.map((n) => `${n.kind}:${n.id}`).sort()).toEqual(
        [
          `STUDY:${UID.S1}`,
          `STUDY:${UID.D1A}`,
          `STUDY:${UID.D1B}`,
          `DATASET:${DS1}`,
          `VENDOR:${ALPHA}`,
          `VENDOR:${BETA}`,
          `VENDOR:${GAMMA}`,
          `VENDOR:${DELTA}`,
          `MODEL:${MODEL_ICH}`,
        ].sort(),
      );
      for (const n of trace.nodes) expect(n.label.length).toBeGreaterThan(0);
      await expectSequencesName(
        trace.edges.map((e) => ({ ledgerSequence: e.ledgerSequence, id: e.eventId })),
      );
    });
  });

  describe('accounting of disclosures', () => {
    interface Entry {
      date: string;
      recipientName: string;
      recipientAddress: string | null;
      description: string;
      purpose: string;
      legalBasis: string;
      disclosureId: string;
      studyInstanceUid: string;
      exempt: boolean;
      ledgerSequence: number;
    }
    interface Accounting {
      accountingOfDisclosures: { from: string; to: string; entries: Entry[] };
    }
    const ACCOUNTING = `query($p: PatientIdentifierInput!, $from: DateTime, $to: DateTime) {
      accountingOfDisclosures(patient: $p, from: $from, to: $to) { from to entries {
        date recipientName recipientAddress description purpose legalBasis disclosureId
        studyInstanceUid exempt ledgerSequence } } }`;
    const ADDRESS = {
      [VENDOR_NAMES.alpha]: ALPHA_ADDRESS,
      [VENDOR_NAMES.beta]: '9 Cloud Way, Seattle, WA 98101',
      [VENDOR_NAMES.gamma]: GAMMA_ADDRESS,
      [VENDOR_NAMES.delta]: '4 Lab Lane, Boston, MA 02110',
    } as Record<string, string>;
    const row = (
      e: ScenarioEvent,
      study: string,
      recipientName: string,
      legalBasis: string,
      exempt: boolean,
    ) => {
      const d = e.event.data as { disclosureId?: string; transferId?: string; purpose: string };
      return JSON.stringify({
        disclosureId: d.disclosureId ?? d.transferId,
        studyInstanceUid: study,
        date: iso(e.event.time),
        recipientName,
        recipientAddress: ADDRESS[recipientName],
        purpose: d.purpose,
        legalBasis,
        exempt,
      });
    };
    const shape = (x: Entry) =>
      JSON.stringify({
        disclosureId: x.disclosureId,
        studyInstanceUid: x.studyInstanceUid,
        date: iso(x.date),
        recipientName: x.recipientName,
        recipientAddress: x.recipientAddress,
        purpose: x.purpose,
        legalBasis: x.legalBasis,
        exempt: x.exempt,
      });
    const { alpha, beta, gamma, delta } = VENDOR_NAMES;
    // P1's disclosures and onward transfers in the last six years (section 3). exempt:
    // TREATMENT, HEALTHCARE_OPERATIONS, LIMITED_DATA_SET: true; IRB_WAIVER,
    // REQUIRED_BY_LAW: false; PATIENT_AUTHORIZATION: true unless a consent finding;
    // DEIDENTIFIED: true unless NOT_DEIDENTIFIED (FACE_NOT_REMOVED does not matter);
    // a transfer: true only for a derivative carrying 113100. A dataset disclosure lists
    // P1's member (D1A; D2 is P2's); t2 lists D1A and D1B (DS1 members at 2024-09-01).
    const p1InWindow = () =>
      [
        row(ev.xTreat, UID.S1, beta, 'TREATMENT', true),
        row(ev.xHco, UID.S1C, beta, 'HEALTHCARE_OPERATIONS', true),
        row(ev.xIrb, UID.S1C, gamma, 'IRB_WAIVER', false),
        row(ev.xLaw, UID.S1, gamma, 'REQUIRED_BY_LAW', false),
        row(ev.xAuthOk, UID.S1, alpha, 'PATIENT_AUTHORIZATION', true),
        row(ev.xAuthFail, UID.S1C, alpha, 'PATIENT_AUTHORIZATION', false), // NO_CONSENT
        row(ev.xDeidOk, UID.D1A, alpha, 'DEIDENTIFIED', true),
        row(ev.xDeidFace, UID.D1B, alpha, 'DEIDENTIFIED', true), // only FACE_NOT_REMOVED
        row(ev.xLds, UID.S1C, alpha, 'LIMITED_DATA_SET', true),
        row(ev.xDeidBad, UID.S1C, alpha, 'DEIDENTIFIED', false), // NOT_DEIDENTIFIED
        row(ev.xAuthDeriv, UID.D1B, alpha, 'PATIENT_AUTHORIZATION', true),
        row(ev.xAuthDerivCt, UID.D1A, alpha, 'PATIENT_AUTHORIZATION', true),
        row(ev.xDs1, UID.D1A, beta, 'DEIDENTIFIED', true),
        row(ev.t1, UID.D1A, beta, 'ONWARD_TRANSFER', true),
        row(ev.t2, UID.D1A, delta, 'ONWARD_TRANSFER', true),
        row(ev.t2, UID.D1B, delta, 'ONWARD_TRANSFER', true),
        row(ev.t3, UID.S1, delta, 'ONWARD_TRANSFER', false), // an original study
      ].sort();

    it('should list every disclosure and onward transfer of the patient in the default window', async () => {
      const before = Date.now();
      const { accountingOfDisclosures: a } = await gql<Accounting>(officer, ACCOUNTING, {
        p: PATIENTS.p1,
      });
      // Default period: the last six years (xOld, 2018-06-01, falls outside).
      const to = new Date(a.to).getTime();
      expect(Math.abs(to - before)).toBeLessThan(5 * 60_000);
      const sixYearsBefore = new Date(a.to);
      sixYearsBefore.setUTCFullYear(sixYearsBefore.getUTCFullYear() - 6);
      expect(Math.abs(new Date(a.from).getTime() - sixYearsBefore.getTime())).toBeLessThan(
        2 * 86_400_000,
      );
      expect(a.entries.map(shape).sort()).toEqual(p1InWindow());
      for (const x of a.entries) {
        expect(x.description.length).toBeGreaterThan(0);
        // A transfer's description names the sender by its (latest) registered name.
        if (x.disclosureId === 'trf-scn-1' || x.disclosureId === 'trf-scn-3') {
          expect(x.description).toContain(alpha);
          expect(x.description).not.toContain(VENDOR_NAMES.alphaFirst);
        }
        if (x.disclosureId === 'trf-scn-2') expect(x.description).toContain(beta);
      }
      await expectSequencesName(
        a.entries.map((x) => ({
          ledgerSequence: x.ledgerSequence,
          id: `evt-${x.disclosureId}`, // the scenario names each event after its disclosure or transfer
        })),
      );
    });

    it('should give an empty accounting for a patient never seen', async () => {
      const { accountingOfDisclosures: a } = await gql<Accounting>(officer, ACCOUNTING, {
        p: { system: PATIENTS.p1.system, value: 'MRN-SCN-NOBODY' },
      });
      expect(a.entries).toEqual([]);
      expect([a.from, a.to]).toEqual([
        expect.stringMatching(RFC3339),
        expect.stringMatching(RFC3339),
      ]);
    });

    it('should honour from and to', async () => {
      const april = await gql<Accounting>(officer, ACCOUNTING, {
        p: PATIENTS.p1,
        from: '2024-04-01T00:00:00Z',
        to: '2024-04-30T23:59:59Z',
      });
      expect(iso(april.accountingOfDisclosures.from)).toBe('2024-04-01T00:00:00.000Z');
      expect(iso(april.accountingOfDisclosures.to)).toBe('2024-04-30T23:59:59.000Z');
      expect(april.accountingOfDisclosures.entries.map((x) => x.disclosureId).sort()).toEqual([
        'dsc-scn-auth-deriv',
        'dsc-scn-auth-deriv-ct',
        'dsc-scn-auth-fail',
        'dsc-scn-auth-ok',
        'dsc-scn-deid-bad',
        'dsc-scn-deid-face',
        'dsc-scn-deid-ok',
        'dsc-scn-lds',
      ]);
      const all = await gql<Accounting>(officer, ACCOUNTING, {
        p: PATIENTS.p1,
        from: '2017-01-01T00:00:00Z',
        to: '2026-01-01T00:00:00Z',
      });
      expect(all.accountingOfDisclosures.entries.map(shape).sort()).toEqual(
        [...p1InWindow(), row(ev.xOld, UID.S1, beta, 'TREATMENT', true)].sort(),
      );
    });

    it('should record the accounting query in the access log under the token subject and the ledger pseudonym', async () => {
      const pseudonym = await pseudonymOf('p1');
      expect(pseudonym).not.toContain(PATIENTS.p1.value);
      const { accessLog } = await gql<{
        accessLog: Connection<{
          at: string;
          actor: string;
          roles: string[];
          operation: string;
          patientPseudonym: string;
        }>;
      }>(
        officer,
        '{ accessLog(first: 100) { totalCount edges { node { at actor roles operation patientPseudonym } } } }',
      );
      const mine = accessLog.edges
        .map((e) => e.node)
        .filter((n) => n.actor === OFFICER_SUB && n.operation === 'accountingOfDisclosures');
      // Three accounting queries of P1 above (default window, April, 2017-2026).
      expect(mine.filter((n) => n.patientPseudonym === pseudonym)).toHaveLength(3);
      for (const n of mine.filter((m) => m.patientPseudonym === pseudonym)) {
        expect(n.roles).toEqual(['privacy_officer']);
        expect(n.at).toMatch(RFC3339);
        const at = new Date(n.at).getTime();
        expect(at).toBeGreaterThanOrEqual(startedAt - 1000);
        expect(at).toBeLessThanOrEqual(Date.now() + 1000);
      }
    });

    it("should record an auditor's accounting query too", async () => {
      await gql<Accounting>(auditor, ACCOUNTING, { p: PATIENTS.p2 });
      const pseudonym = await pseudonymOf('p2');
      const { accessLog } = await gql<{
        accessLog: Connection<{
          actor: string;
          roles: string[];
          operation: string;
          patientPseudonym: string;
        }>;
      }>(
        officer,
        '{ accessLog(first: 100) { edges { node { actor roles operation patientPseudonym } } } }',
      );
      expect(accessLog.edges.map((e) => e.node)).toContainEqual({
        actor: 'auditor-scenario',
        roles: ['auditor'],
        operation: 'accountingOfDisclosures',
        patientPseudonym: pseudonym,
      });
    });
  });

  describe('vendors', () => {
    const VENDOR = `query($id: String!) { vendor(vendorId: $id) { vendorId name address role
      studiesReceived patientsAffected findings(first: 50) { totalCount edges { node { ${FINDING_FIELDS} } } } } }`;
    interface VendorNode {
      vendorId: string;
      name: string;
      address: string | null;
      role: string;
      studiesReceived: number;
      patientsAffected: number;
      findings: Connection<FindingNode>;
    }
    const vendorOf = async (id: string, token = officer) =>
      (await gql<{ vendor: VendorNode | null }>(token, VENDOR, { id })).vendor;

    it.each([
      // alpha got S1, S1C, D1A, D1B, S2, D2, S3, S4, S5, S6, D7, S8, S9, S10 by disclosure
      // (14 studies of P1-P10: 10 patients); gamma got S1C, S1, D7B (P1 and P7).
      [ALPHA, VENDOR_NAMES.alpha, 'AI_DEVELOPER', 14, 10, 14],
      [GAMMA, VENDOR_NAMES.gamma, 'RESEARCH_PARTNER', 3, 2, 3],
      // epsilon got S11, S12, S13, S14, S15, S16 and D7C (P11-P16 and P7).
      [EPSILON, VENDOR_NAMES.epsilon, 'AI_DEVELOPER', 7, 7, 8],
    ] as [string, string, string, number, number, number][])(
      'should count what %s received and its findings',
      async (id, name, role, studies, patients, findings) => {
        const v = (await vendorOf(id))!;
        expect(v).toMatchObject({
          vendorId: id,
          name,
          role,
          studiesReceived: studies,
          patientsAffected: patients,
        });
        expect(v.findings.totalCount).toBe(findings);
        expect(sortedComparable(v.findings.edges.map((e) => e.node))).toEqual(
          sortedComparable(expectedFindings().filter((f) => f.vendorId === id)),
        );
      },
    );

    it.each([
      // Reading "received" as disclosures plus onward transfers to the vendor (the contract
      // does not define it). beta: S1, S1C, DS1's D1A, D2 and (late) D7 by disclosure, S8
      // (t8), S10 (t10a) and S2 (t11a, t11b) by transfer: P1, P2, P7, P8, P10. delta, only
      // by transfers: D1A, D2, D7, D1B (t2), S1 (t3), S2 (t5), S8 (t8x), S10 (t10b): P1,
      // P2, P7, P8, P10.
      [BETA, 8, 5],
      [DELTA, 8, 5],
    ] as [string, number, number][])(
      'should count studies %s received by onward transfer too',
      async (id, studies, patients) => {
        const v = (await vendorOf(id))!;
        expect({
          studiesReceived: v.studiesReceived,
          patientsAffected: v.patientsAffected,
        }).toEqual({
          studiesReceived: studies,
          patientsAffected: patients,
        });
      },
    );

    it('should page vendors', async () => {
      const ids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { vendors }: { vendors: Connection<{ vendorId: string }> } = await gql<{
          vendors: Connection<{ vendorId: string }>;
        }>(
          officer,
          'query($after: String) { vendors(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { vendorId } } } }',
          { after },
        );
        expect(vendors.totalCount).toBe(5);
        ids.push(...vendors.edges.map((e) => e.node.vendorId));
        if (!vendors.pageInfo.hasNextPage) break;
        after = vendors.pageInfo.endCursor;
      }
      expect(ids.sort()).toEqual([ALPHA, BETA, DELTA, EPSILON, GAMMA].sort());
      expect(await vendorOf('vnd-nobody')).toBeNull();
    });
  });

  describe('quarantine', () => {
    it('should keep every bad message with its reason, coordinates and raw bytes, and no duplicate', async () => {
      const { quarantine } = await gql<{
        quarantine: Connection<{
          topic: string;
          partition: number;
          offset: string;
          reason: string;
          receivedAt: string;
          rawBase64: string;
        }>;
      }>(
        officer,
        '{ quarantine(first: 50) { totalCount edges { node { topic partition offset reason receivedAt rawBase64 } } } }',
      );
      // Section 1: seven bad messages; the three re-published copies are not quarantined.
      expect(quarantine.totalCount).toBe(7);
      const actual = quarantine.edges.map((e) => e.node);
      expect(actual.map((q) => [q.topic, q.partition, q.offset, q.rawBase64]).sort()).toEqual(
        bad.map((b) => [h.topic, b.partition, b.offset, b64(b.value)]).sort(),
      );
      for (const q of actual) {
        expect(q.reason.trim().length).toBeGreaterThan(0);
        expect(Number.isNaN(new Date(q.receivedAt).getTime())).toBe(false);
      }
    });

    it('should show the auditor the quarantine without clear patient identifiers', async () => {
      // Section 3: the auditor sees everything but clear patient identifiers; one
      // quarantined message carries an MRN that the privacy officer sees as received.
      const query = '{ quarantine(first: 50) { totalCount edges { node { offset rawBase64 } } } }';
      type Q = { quarantine: Connection<{ offset: string; rawBase64: string }> };
      const asOfficer = await gql<Q>(officer, query);
      const decoded = asOfficer.quarantine.edges.map((e) =>
        Buffer.from(e.node.rawBase64, 'base64'),
      );
      expect(decoded.some((raw) => raw.includes(QUARANTINED_MRN))).toBe(true);
      const asAuditor = await h.client.send<Q>(auditor, query);
      expect(asAuditor.errors).toBeUndefined();
      expect(asAuditor.data?.quarantine.totalCount).toBe(7);
      expect(asAuditor.text).not.toContain(QUARANTINED_MRN);
      for (const e of asAuditor.data?.quarantine.edges ?? []) {
        expect(Buffer.from(e.node.rawBase64, 'base64').includes(QUARANTINED_MRN)).toBe(false);
      }
    });
  });

  describe('ledger', () => {
    let leaves: Buffer[] = [];
    let size = 0;
    let root: Buffer = Buffer.alloc(0);

    it('should hold each distinct event once, in canonical form, with standard hashes', async () => {
      const { ledger, verifierKey } = await settledLedger(FULL_SIZE);
      size = ledger.treeSize;
      const entries: LedgerEntryNode[] = [];
      for (let s = 0; s < size; s += 1) entries.push(await ledgerEntry(s));
      expect(entries.map((e) => e.sequence)).toEqual([...Array(size).keys()]);
      leaves = entries.map((e) => leafHashOf(e.leafData));
      // leafHash = SHA-256(0x00 || leafData); chainHash chained from 32 zero bytes.
      expect(entries.map((e) => e.leafHash)).toEqual(leaves.map(b64));
      expect(entries.map((e) => e.chainHash)).toEqual(chainHashes(leaves).map(b64));
      expect(entries.map((e) => leafHash(e.leafData).toString('base64'))).toEqual(leaves.map(b64));
      root = merkleRoot(leaves);
      expect(ledger.rootHash).toBe(b64(root));

      // Each distinct event exactly once; the stored fields per section 4.
      const bySourceId = new Map<
        string,
        { sequence: number; leaf: Record<string, unknown>; text: string }
      >();
      for (const e of entries) {
        const leaf = JSON.parse(e.leafData) as Record<string, unknown>;
        const key = `${String(leaf.source)} ${String(leaf.id)}`;
        expect(bySourceId.has(key)).toBe(false);
        bySourceId.set(key, { sequence: e.sequence, leaf, text: e.leafData });
      }
      expect(bySourceId.size).toBe(h.scenario.distinct.length);
      const pseudonyms = new Map<string, string>();
      for (const sent of h.scenario.distinct) {
        const stored = bySourceId.get(`${sent.event.source} ${sent.event.id}`);
        expect(stored).toBeDefined();
        const { leaf, text, sequence } = stored!;
        expect(Object.keys(leaf).sort()).toEqual([
          'data',
          'id',
          'payloadDigest',
          'sequence',
          'source',
          'subject',
          'time',
          'type',
        ]);
        expect(text).toBe(jcs(leaf)); // RFC 8785 canonical text
        expect(leaf).toMatchObject({
          sequence,
          source: sent.event.source,
          id: sent.event.id,
          type: sent.event.type,
          subject: sent.key,
          payloadDigest: sent.digest,
        });
        expect(iso(leaf.time as string)).toBe(iso(sent.event.time));
        // Patient values replaced by a pseudonym; everything else stored as sent.
        const sentData = sent.event.data as unknown as Record<string, unknown>;
        const storedData = leaf.data as Record<string, unknown>;
        if ('patient' in sentData) {
          const sentPatient = sentData.patient as { system: string; value: string };
          const storedPatient = storedData.patient as { system: string; value: string };
          expect(storedPatient.system).toBe(sentPatient.system);
          expect(storedPatient.value).not.toContain(sentPatient.value);
          const known = pseudonyms.get(sentPatient.value);
          if (known !== undefined) expect(storedPatient.value).toBe(known);
          pseudonyms.set(sentPatient.value, storedPatient.value);
          // v1.1: a registration also keeps the keyed pseudonym of the value alone, so an
          // inspection that found the Patient ID without an issuer can be matched (section 2).
          const { patientValuePseudonym, ...rest } = storedData;
          if (sent.event.type === 'org.scantrail.study.registered') {
            expect(patientValuePseudonym).toMatch(/^pv_[A-Za-z0-9_-]{43}$/);
            expect(patientValuePseudonym).not.toContain(sentPatient.value);
          } else {
            expect(patientValuePseudonym).toBeUndefined();
          }
          expect({ ...rest, patient: sentPatient }).toEqual(sentData);
        } else {
          expect(storedData).toEqual(sentData);
        }
      }
      // One pseudonym per patient, distinct patients distinct pseudonyms.
      expect(pseudonyms.size).toBe(16);
      expect(new Set(pseudonyms.values()).size).toBe(16);

      // The checkpoint: a C2SP signed note by the origin's key, over this very tree.
      const text = openSignedNote(ledger.checkpoint, verifierKey);
      expect(text).toBe(`${h.settings.ledgerOrigin}\n${size}\n${b64(root)}\n`);
      expect(verifierKey).toBe(h.settings.ledgerVerifierKey);
      const opened = openNote(ledger.checkpoint, [parseVerifierKey(verifierKey)]);
      const checkpoint = parseCheckpoint(opened.text);
      expect(checkpoint.origin).toBe(h.settings.ledgerOrigin);
      expect(checkpoint.size).toBe(size);
      expect(b64(checkpoint.rootHash)).toBe(b64(root));
      // A note signed by another key does not open.
      const forged = ledger.checkpoint.replace(
        / [A-Za-z0-9+/=]+\n$/,
        ` ${b64(Buffer.alloc(68, 7))}\n`,
      );
      expect(() => openSignedNote(forged, verifierKey)).toThrow();
      const { ledgerEntry: beyond } = await gql<{ ledgerEntry: LedgerEntryNode | null }>(
        officer,
        `{ ledgerEntry(sequence: ${size}) { sequence } }`,
      );
      expect(beyond).toBeNull();
    });

    it('should give RFC 9162 inclusion proofs that verify independently', async () => {
      expect(size).toBe(FULL_SIZE);
      const cases: [number, number][] = [
        [0, size],
        [1, size],
        [37, size],
        [size - 1, size],
        [5, 20],
        [0, 1],
        [63, 64],
        [127, 128],
        [100, size],
      ];
      for (const [sequence, treeSize] of cases) {
        const { inclusionProof } = await gql<{ inclusionProof: string[] }>(
          officer,
          'query($s: Int!, $n: Int!) { inclusionProof(sequence: $s, treeSize: $n) }',
          { s: sequence, n: treeSize },
        );
        const prefix = leaves.slice(0, treeSize);
        expect([sequence, treeSize, inclusionProof]).toEqual([
          sequence,
          treeSize,
          inclusionPath(sequence, prefix).map(b64),
        ]);
        const proof = inclusionProof.map((p) => Buffer.from(p, 'base64'));
        expect(
          verifyInclusion(leaves[sequence], sequence, treeSize, proof, merkleRoot(prefix)),
        ).toBe(true);
        if (treeSize > 1) {
          expect(
            verifyInclusion(
              leaves[(sequence + 1) % treeSize],
              sequence,
              treeSize,
              proof,
              merkleRoot(prefix),
            ),
          ).toBe(false);
        }
      }
    });

    it('should give RFC 9162 consistency proofs that verify independently, also from the phase-1 checkpoint', async () => {
      const cases: [number, number][] = [
        [1, size],
        [20, size],
        [size - 1, size],
        [7, 13],
        [64, size],
        [128, size],
        [100, 129],
        [PHASE1_SIZE, size],
      ];
      for (const [from, to] of cases) {
        const { consistencyProof } = await gql<{ consistencyProof: string[] }>(
          officer,
          'query($a: Int!, $b: Int!) { consistencyProof(fromSize: $a, toSize: $b) }',
          { a: from, b: to },
        );
        expect([from, to, consistencyProof]).toEqual([
          from,
          to,
          consistencyPath(from, leaves.slice(0, to)).map(b64),
        ]);
        const proof = consistencyProof.map((p) => Buffer.from(p, 'base64'));
        expect(
          verifyConsistency(
            from,
            to,
            proof,
            merkleRoot(leaves.slice(0, from)),
            merkleRoot(leaves.slice(0, to)),
          ),
        ).toBe(true);
      }
      // The signed phase-1 checkpoint is a prefix of today's log.
      expect(phase1State).toBeDefined();
      const old = parseCheckpoint(
        openNote(phase1State!.checkpoint, [parseVerifierKey(h.settings.ledgerVerifierKey)]).text,
      );
      expect(old.size).toBe(PHASE1_SIZE);
      expect(b64(old.rootHash)).toBe(b64(merkleRoot(leaves.slice(0, PHASE1_SIZE))));
      const { consistencyProof } = await gql<{ consistencyProof: string[] }>(
        officer,
        `{ consistencyProof(fromSize: ${PHASE1_SIZE}, toSize: ${size}) }`,
      );
      expect(
        verifyConsistency(
          PHASE1_SIZE,
          size,
          consistencyProof.map((p) => Buffer.from(p, 'base64')),
          old.rootHash,
          root,
        ),
      ).toBe(true);
      // fromSize == toSize: an empty list.
      const same = await gql<{ consistencyProof: string[] }>(
        officer,
        `{ consistencyProof(fromSize: ${size}, toSize: ${size}) }`,
      );
      expect(same.consistencyProof).toEqual([]);
    });

    it.each([
      [`inclusionProof(sequence: ${FULL_SIZE}, treeSize: ${FULL_SIZE})`, 'sequence >= treeSize'],
      [`inclusionProof(sequence: 0, treeSize: ${FULL_SIZE + 1})`, 'treeSize larger than the log'],
      ['inclusionProof(sequence: -1, treeSize: 5)', 'a sequence outside the tree'],
      ['inclusionProof(sequence: 5, treeSize: 3)', 'sequence >= treeSize'],
      [`consistencyProof(fromSize: 0, toSize: ${FULL_SIZE})`, 'fromSize < 1'],
      ['consistencyProof(fromSize: 3, toSize: 2)', 'fromSize > toSize'],
      [`consistencyProof(fromSize: 1, toSize: ${FULL_SIZE + 1})`, 'toSize larger than the log'],
    ])('should answer BAD_USER_INPUT for %s (%s)', async (field) => {
      const result = await h.client.send<Record<string, unknown>>(officer, `{ ${field} }`);
      expect(GraphqlClient.codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.data?.[field.split('(')[0]] ?? null).toBeNull();
    });
  });

  describe('roles', () => {
    const nothingLeaked = (r: GraphqlResponse<Record<string, unknown>>, field: string) => {
      expect(GraphqlClient.codeOf(r)).toBe('FORBIDDEN');
      expect(r.data?.[field] ?? null).toBeNull();
      expect(r.text).not.toContain(VENDOR_NAMES.beta);
    };

    it.each([
      ['no token', () => null],
      ['a bad signature', () => h.token(['privacy_officer'], { secret: Buffer.alloc(32, 3) })],
      [
        'an expired token',
        () => h.token(['privacy_officer'], { ttlSeconds: 60, now: Date.now() - 3_600_000 }),
      ],
    ] as [string, () => string | null][])(
      'should answer HTTP 401 with %s',
      async (_what, bearer) => {
        const r = await h.client.send(bearer(), '{ findings { totalCount } }');
        expect(r.status).toBe(401);
        expect(r.text).not.toContain(UID.S1);
      },
    );

    it("should filter a study's lists to the vendor's own disclosures and findings", async () => {
      // "lists are filtered to it": D1A went to alpha twice (xDeidOk, xAuthDerivCt) and to
      // beta in DS1; its only finding (t2) is beta's.
      const { study } = await gql<{
        study: { disclosures: { disclosureId: string }[]; findings: { vendorId: string }[] };
      }>(
        alphaToken,
        `{ study(studyInstanceUid: "${UID.D1A}") { disclosures { disclosureId } findings { vendorId } } }`,
      );
      expect(study.disclosures.map((d) => d.disclosureId).sort()).toEqual([
        'dsc-scn-auth-deriv-ct',
        'dsc-scn-deid-ok',
      ]);
      expect(study.findings).toEqual([]);
    });

    it('should show a vendor only its own findings and vendor', async () => {
      const own = await allFindings(alphaToken);
      expect(own.totalCount).toBe(14);
      expect(sortedComparable(own.nodes)).toEqual(
        sortedComparable(expectedFindings().filter((f) => f.vendorId === ALPHA)),
      );
      // D1B's t2 finding is beta's: alpha sees its two FACE_NOT_REMOVED only.
      const d1b = await allFindings(alphaToken, { study: UID.D1B });
      expect(d1b.nodes.map((n) => `${n.code}:${n.vendorId}`)).toEqual([
        `FACE_NOT_REMOVED:${ALPHA}`,
        `FACE_NOT_REMOVED:${ALPHA}`,
      ]);
      const { vendors } = await gql<{ vendors: Connection<{ vendorId: string }> }>(
        alphaToken,
        '{ vendors(first: 10) { totalCount edges { node { vendorId } } } }',
      );
      expect([vendors.totalCount, vendors.edges.map((e) => e.node.vendorId)]).toEqual([1, [ALPHA]]);
      const { vendor } = await gql<{ vendor: { name: string } }>(
        alphaToken,
        `{ vendor(vendorId: "${ALPHA}") { name } }`,
      );
      expect(vendor.name).toBe(VENDOR_NAMES.alpha);
    });

    it.each([
      ['another vendor', `{ vendor(vendorId: "${BETA}") { name studiesReceived } }`, 'vendor'],
      [
        "another vendor's findings",
        `{ findings(vendorId: "${BETA}") { totalCount edges { node { code } } } }`,
        'findings',
      ],
      [
        'a patient accounting',
        `{ accountingOfDisclosures(patient: { system: "${PATIENTS.p1.system}", value: "${PATIENTS.p1.value}" }) { entries { disclosureId } } }`,
        'accountingOfDisclosures',
      ],
      [
        'the quarantine',
        '{ quarantine { totalCount edges { node { rawBase64 } } } }',
        'quarantine',
      ],
      ['the access log', '{ accessLog { totalCount edges { node { actor } } } }', 'accessLog'],
    ])('should forbid a vendor %s', async (_what, query, field) => {
      nothingLeaked(await h.client.send(alphaToken, query), field);
    });

    it('should forbid the auditor the access log but not the findings', async () => {
      nothingLeaked(
        await h.client.send(auditor, '{ accessLog { totalCount edges { node { actor } } } }'),
        'accessLog',
      );
      expect((await allFindings(auditor)).totalCount).toBe(TOTAL_FINDINGS);
    });
  });

  describe('clear patient identifiers', () => {
    it('should never return or store a clear MRN', async () => {
      const mrns = Object.values(PATIENTS).map((p) => p.value);
      for (const text of h.client.transcripts) {
        for (const mrn of mrns)
          expect(text.includes(mrn) ? `${mrn} in ${text.slice(0, 300)}` : '').toBe('');
      }
      const ds = h.db.dataSource;
      const columns = await ds.query<{ column_name: string; data_type: string }[]>(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = 'ledger_entries'`,
      );
      expect(columns.length).toBeGreaterThan(0);
      const hits: string[] = [];
      for (const mrn of mrns) {
        const hex = Buffer.from(mrn, 'utf8').toString('hex');
        for (const c of columns) {
          const expr =
            c.data_type === 'bytea'
              ? `encode("${c.column_name}", 'hex')`
              : `"${c.column_name}"::text`;
          const needle = c.data_type === 'bytea' ? hex : mrn;
          const [{ n }] = await ds.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM ledger_entries WHERE position($1 in ${expr}) > 0`,
            [needle],
          );
          if (n > 0) hits.push(`ledger_entries.${c.column_name}: ${mrn}`);
        }
        // And every other table, row by row (bytea shows as hex in row text).
        const tables = await ds.query<{ table_name: string }[]>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
        );
        for (const { table_name } of tables) {
          const [{ n }] = await ds.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM "${table_name}" x
              WHERE position($1 in x::text) > 0 OR position($2 in x::text) > 0`,
            [mrn, hex],
          );
          if (n > 0) hits.push(`${table_name}: ${mrn}`);
        }
      }
      expect(hits).toEqual([]);
    });
  });

  describe('append-only ledger', () => {
    it.each([
      ['UPDATE', "UPDATE ledger_entries SET subject = 'x' WHERE sequence = 3"],
      ['DELETE', 'DELETE FROM ledger_entries WHERE sequence = 3'],
      ['TRUNCATE', 'TRUNCATE ledger_entries'],
    ])('should refuse %s on the ledger entries', async (_what, sql) => {
      // Section 4. Inside a transaction rolled back either way, so a failure here leaves
      // the other tests' data alone.
      const runner = h.db.dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      let refused = false;
      try {
        await runner.query(sql);
      } catch {
        refused = true;
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
      expect(refused).toBe(true);
    });
  });
});
