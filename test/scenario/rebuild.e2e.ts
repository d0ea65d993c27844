// The ledger is the source of truth (DESIGN.md): dropping every read model and replaying
// the ledger must give the same answers to the same GraphQL queries.
import { LedgerLog } from '@scantrail/storage';
import { rebuildReadModels } from '../../apps/cli/src/commands/rebuild.command';
import { eventually } from '../support/test-env';
import type { Connection } from './graphql-client';
import { ALPHA, BETA, DELTA, DS1, EPSILON, GAMMA, PATIENTS, UID } from './scenario-events';
import { ScenarioHarness } from './scenario-harness';

const h = new ScenarioHarness();
let officer = '';
/** Distinct events of the scenario (see lineage-scenario.e2e.ts). */
const FULL_SIZE = 132;

const FINDING = 'code studyInstanceUid vendorId eventId occurredAt ledgerSequence detail';
const STUDY = `studyInstanceUid modality bodyPart studyDate methodCodes
  derivedFrom { studyInstanceUid } derivatives { studyInstanceUid }
  disclosures { disclosureId occurredAt recipient { vendorId name address } purpose legalBasis
    studyInstanceUid datasetId ledgerSequence findings { ${FINDING} } }
  findings { ${FINDING} }`;
const VENDOR = `vendorId name address role studiesReceived patientsAffected
  findings(first: 50) { totalCount edges { node { ${FINDING} } } }`;

/** Every node of a connection, page by page (the pages themselves are not compared). */
async function everyNode(
  field: string,
  selection: string,
  args: Record<string, string> = {},
): Promise<unknown[]> {
  const nodes: unknown[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page += 1) {
    const extra = Object.entries(args)
      .map(([k, v]) => `, ${k}: ${v}`)
      .join('');
    const query = `query($after: String) { c: ${field}(first: 10, after: $after${extra}) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${selection} } } } }`;
    const { c }: { c: Connection<unknown> } = await h.client.data<{ c: Connection<unknown> }>(
      officer,
      query,
      { after },
    );
    nodes.push(...c.edges.map((e) => e.node));
    if (!c.pageInfo.hasNextPage) return [c.totalCount, nodes];
    after = c.pageInfo.endCursor;
  }
  throw new Error(`${field} never ended`);
}

/** The answers of a fixed set of queries, covering every read model. */
async function snapshot(): Promise<Record<string, unknown>> {
  const accounting = (p: { system: string; value: string }) =>
    h.client.data(
      officer,
      `query($p: PatientIdentifierInput!) { a: accountingOfDisclosures(patient: $p,
        from: "2017-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z") { from to entries {
        date recipientName recipientAddress description purpose legalBasis disclosureId
        studyInstanceUid exempt ledgerSequence } } }`,
      { p },
    );
  const study = (uid: string) =>
    h.client.data(officer, `{ s: study(studyInstanceUid: "${uid}") { ${STUDY} } }`);
  const trace = (uid: string) =>
    h.client.data(
      officer,
      `{ t: trace(studyInstanceUid: "${uid}") { nodes { id kind label }
         edges { from to kind occurredAt eventId ledgerSequence } } }`,
    );
  return {
    findings: await everyNode('findings', FINDING),
    faceFindings: await everyNode('findings', FINDING, { code: 'FACE_NOT_REMOVED' }),
    betaFindings: await everyNode('findings', FINDING, { vendorId: `"${BETA}"` }),
    vendors: await everyNode('vendors', VENDOR),
    quarantine: await everyNode('quarantine', 'topic partition offset reason rawBase64'),
    studies: await Promise.all(
      [
        UID.S1,
        UID.S1C,
        UID.D1A,
        UID.D1B,
        UID.S2,
        UID.D2,
        UID.S7,
        UID.D7C,
        UID.S8,
        UID.S15,
        UID.S16,
      ].map(study),
    ),
    traces: await Promise.all([UID.S1, UID.S2, UID.S8, UID.D1A].map(trace)),
    accounting: await Promise.all(
      [PATIENTS.p1, PATIENTS.p2, PATIENTS.p8, PATIENTS.p10, PATIENTS.p15].map(accounting),
    ),
    vendor: await Promise.all(
      [ALPHA, BETA, GAMMA, DELTA, EPSILON].map((id) =>
        h.client.data(officer, `{ v: vendor(vendorId: "${id}") { ${VENDOR} } }`),
      ),
    ),
    ledger: await h.client.data(
      officer,
      `{ ledger { treeSize rootHash } verifierKey e: ledgerEntry(sequence: 3) { leafData chainHash }
         p: inclusionProof(sequence: 10, treeSize: ${FULL_SIZE}) }`,
    ),
  };
}

beforeAll(async () => {
  await h.start();
  officer = h.token(['privacy_officer'], { sub: 'po-rebuild' });
  await h.runAll();
  await eventually(
    async () => {
      const { ledger } = await h.client.data<{ ledger: { treeSize: number } }>(
        officer,
        '{ ledger { treeSize } }',
      );
      return ledger.treeSize === FULL_SIZE ? true : undefined;
    },
    30000,
    'the whole scenario in the ledger',
  );
}, 90000);

afterAll(async () => {
  await h.stop();
});

describe('read-model rebuild', () => {
  it('should answer every query identically when the read models are rebuilt from the ledger', async () => {
    const before = await snapshot();
    // Not a vacuous comparison: the scenario's 32 findings and DS1's trace are there.
    expect((before.findings as [number, unknown[]])[0]).toBe(32);
    expect(JSON.stringify(before.traces)).toContain(DS1);
    const accessLogBefore = await h.client.data<{ l: Connection<unknown> }>(
      officer,
      '{ l: accessLog(first: 100) { totalCount edges { node { at actor roles operation patientPseudonym } } } }',
    );

    // As `cli rebuild` runs it: emptying the read models is the schema owner's (TRUNCATE).
    const replayed = await rebuildReadModels(h.db.database, new LedgerLog(h.settings.ledgerOrigin));
    expect(replayed).toBe(FULL_SIZE);

    const after = await snapshot();
    for (const key of Object.keys(before)) {
      expect([key, after[key]]).toEqual([key, before[key]]);
    }
    // The access log records who looked at whom: not a projection, so a rebuild keeps it.
    const accessLogAfter = await h.client.data<{ l: Connection<unknown> }>(
      officer,
      '{ l: accessLog(first: 100) { totalCount edges { node { at actor roles operation patientPseudonym } } } }',
    );
    expect(accessLogAfter.l.totalCount).toBeGreaterThanOrEqual(accessLogBefore.l.totalCount);
    for (const edge of accessLogBefore.l.edges) {
      expect(accessLogAfter.l.edges).toContainEqual(edge);
    }
  });
});
