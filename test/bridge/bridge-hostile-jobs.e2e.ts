// Attack: a broken or hostile Orthanc reporting odd send jobs (session 35, red team). The
// lines its job journal hook would write, with real Orthanc ids where a study is named, so
// all the rest is the real bridge, Kafka, ingest, ledger and API: a server name holding NUL
// and HTML, one of 100,000 characters, a CompletionTime that is not a day of the calendar
// (February 31) or years ahead, a job repeated with the same id, a negative instance count.
// What a privacy officer checks: every later honest send still recorded (one bad job must
// not stop the bridge), no disclosure with a made-up or rolled-over time in the ledger or the
// quarantine, and each odd job in bridgeState's unrecorded sends, readable and bounded.
// Reproduce: npm run build && npx jest --config jest.e2e.config.js test/bridge/bridge-hostile-jobs.e2e.ts
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import { BridgeHarness, UNMAPPED_DICOMWEB, VENDOR_DICOMWEB, VENDOR_PEER } from './bridge-harness';

const MAPPED = {
  [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'AI_TRAINING', legalBasis: 'IRB_WAIVER' },
  [VENDOR_DICOMWEB]: {
    vendorId: 'vnd-acme-cloud',
    purpose: 'AI_TRAINING',
    legalBasis: 'PATIENT_AUTHORIZATION',
  },
};
const DISCLOSED = 'org.scantrail.disclosure.recorded';

const oneSeries = (patientId: string): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  studyDate: '20240105',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances: 1 }],
});

interface Unrecorded {
  reason: string;
  jobType: string;
  destinationKind: string;
  destination: string | null;
  instances: number | null;
  completedAt: string | null;
}

describe('Orthanc bridge and a hostile job journal', () => {
  const h = new BridgeHarness();
  const early = oneSeries('MRN-HJ-1');
  const late = oneSeries('MRN-HJ-2');
  const honest = oneSeries('MRN-HJ-3');
  const named = oneSeries('MRN-HJ-4');

  const line = (job: Record<string, unknown>): void =>
    appendFileSync(
      h.journal,
      `${JSON.stringify({ Kind: 'job', StudyInstanceUids: [], ...job })}\n`,
    );
  const unrecorded = async (): Promise<Unrecorded[]> =>
    (
      await h.query<{ bridgeState: { unrecorded: Unrecorded[] } }>(
        '{ bridgeState { unrecorded { reason jobType destinationKind destination instances completedAt } } }',
      )
    ).bridgeState.unrecorded;

  beforeAll(async () => {
    await h.start(MAPPED);
    for (const s of [early, late, honest, named]) await h.upload(s);
    await h.startBridge();
    await eventually(
      async () =>
        (await h.ledgerEvents('org.scantrail.study.registered')).length === 4 ? true : undefined,
      90_000,
      'four studies registered',
    );
  }, 300_000);

  afterAll(async () => {
    await h.stop();
  });

  it('should record an honest send after odd jobs, list each odd one bounded and readable, and publish no made-up time', async () => {
    const peer = `${h.vendor.url}/`;
    const repeated = randomUUID();
    // A STOW naming a server that holds NUL and HTML, and no resources (unrecordable).
    line({
      ID: randomUUID(),
      Type: 'DicomWebStowClient',
      CompletionTime: '20261207T090000',
      Content: { InstancesCount: '-5', ServerName: 'cloud\u0000<img src=x onerror=alert(1)>' },
    });
    // A STOW naming a server of 100,000 characters.
    line({
      ID: randomUUID(),
      Type: 'DicomWebStowClient',
      CompletionTime: '20261207T090100',
      Content: { InstancesCount: '1', ServerName: `https://vendor.example/${'a'.repeat(100_000)}` },
    });
    // Peer sends to the mapped peer, completed on February 31 and in year 9999.
    line({
      ID: randomUUID(),
      Type: 'OrthancPeerStore',
      CompletionTime: '20260231T120000',
      Content: { Peer: [peer], ParentResources: [await h.orthancStudyId(early.studyInstanceUid)] },
    });
    line({
      ID: randomUUID(),
      Type: 'OrthancPeerStore',
      CompletionTime: '99991231T235959',
      Content: { Peer: [peer], ParentResources: [await h.orthancStudyId(late.studyInstanceUid)] },
    });
    // The same job twice (a hook restarted mid-line, a replayed journal).
    for (let i = 0; i < 2; i += 1) {
      line({
        ID: repeated,
        Type: 'DicomWebStowClient',
        CompletionTime: '20261207T090200',
        Content: { InstancesCount: '2' },
      });
    }
    // Then an honest send: one bad job must not stop the bridge.
    line({
      ID: randomUUID(),
      Type: 'DicomWebStowClient',
      CompletionTime: '20261207T090300',
      Content: {
        InstancesCount: '1',
        ServerName: VENDOR_DICOMWEB,
        Resources: { Studies: [await h.orthancStudyId(honest.studyInstanceUid)] },
      },
    });
    const recorded = await eventually(
      async () => {
        const sent = (await h.ledgerEvents(DISCLOSED)).filter(
          (e) => e.data.channel === `orthanc-dicomweb:${VENDOR_DICOMWEB}`,
        );
        return sent.length > 0 ? sent : undefined;
      },
      90_000,
      'the honest STOW recorded after the odd jobs',
    );
    expect(recorded.map((e) => e.time)).toEqual(['2026-12-07T09:03:00.000Z']);

    // The bridge's step went through (its state written, nothing failing on /health).
    expect((await h.health())?.lastError).toBeUndefined();
    const listed = await eventually(
      async () => {
        const rows = await unrecorded();
        return rows.length >= 5 ? rows : undefined;
      },
      30_000,
      'five unrecorded sends',
    );
    const byTime = (t: string | null) => listed.filter((u) => u.completedAt === t);
    expect(byTime('2026-12-07T09:00:00.000Z')).toEqual([
      {
        reason: 'dicomweb_unnamed',
        jobType: 'DicomWebStowClient',
        destinationKind: 'dicomweb',
        destination: 'cloud\ufffd<img src=x onerror=alert(1)>',
        instances: null,
        completedAt: '2026-12-07T09:00:00.000Z',
      },
    ]);
    const long = byTime('2026-12-07T09:01:00.000Z');
    expect(long).toHaveLength(1);
    expect(long[0].destination?.length).toBeLessThanOrEqual(512);
    expect(long[0].destination).toMatch(
      /^https:\/\/vendor\.example\/a+… \(cut at 512 characters\)$/u,
    );
    expect(byTime('2026-12-07T09:02:00.000Z')).toHaveLength(1);
    expect(byTime(null)).toEqual([
      {
        reason: 'completion_time',
        jobType: 'OrthancPeerStore',
        destinationKind: 'peer',
        destination: peer,
        instances: null,
        completedAt: null,
      },
      {
        reason: 'completion_time',
        jobType: 'OrthancPeerStore',
        destinationKind: 'peer',
        destination: peer,
        instances: null,
        completedAt: null,
      },
    ]);
    expect(listed).toHaveLength(5);

    // Nothing published with a made-up or rolled-over time (March 3 is February 31's roll).
    const all = await h.ledgerEvents(DISCLOSED);
    expect(all.filter((e) => /^(9999|2026-02-31|2026-03-03)/.test(e.time))).toEqual([]);
    const quarantined = await h.query<{ quarantine: { totalCount: number } }>(
      '{ quarantine(first: 1) { totalCount } }',
    );
    expect(quarantined.quarantine.totalCount).toBe(0);
  });

  // The journal hook resolves a job's studies as it completes, and the bridge took its list
  // as it came: a line with a NUL in a uid made the held send's row unwritable (the bridge
  // stuck, as above), and one with a Patient ID for a uid would have put it in the ledger.
  it("should read a job's studies from Orthanc when the journal's uids are not DICOM UIDs", async () => {
    const studyId = await h.orthancStudyId(named.studyInstanceUid);
    line({
      ID: randomUUID(),
      Type: 'DicomWebStowClient',
      CompletionTime: '20261207T091000',
      Content: {
        InstancesCount: '1',
        ServerName: UNMAPPED_DICOMWEB,
        Resources: { Studies: [studyId] },
      },
      StudyInstanceUids: ['1.2.3\u0000', 'MRN-004211', 'x'.repeat(100_000)],
    });
    line({
      ID: randomUUID(),
      Type: 'DicomWebStowClient',
      CompletionTime: '20261207T091100',
      Content: {
        InstancesCount: '1',
        ServerName: VENDOR_DICOMWEB,
        Resources: { Studies: [await h.orthancStudyId(early.studyInstanceUid)] },
      },
    });
    await eventually(
      async () =>
        (await h.ledgerEvents(DISCLOSED)).some((e) => e.time === '2026-12-07T09:11:00.000Z')
          ? true
          : undefined,
      90_000,
      'the STOW after the odd line recorded',
    );
    const { bridgeState } = await h.query<{
      bridgeState: { held: { kind: string; studyInstanceUid: string; destination: string }[] };
    }>('{ bridgeState { held { kind studyInstanceUid destination } } }');
    expect(bridgeState.held).toEqual([
      { kind: 'SEND', studyInstanceUid: named.studyInstanceUid, destination: UNMAPPED_DICOMWEB },
    ]);
    expect((await h.health())?.lastError).toBeUndefined();
    const ledger = JSON.stringify(await h.ledgerEvents(DISCLOSED));
    expect(ledger).not.toContain('MRN-004211');
  });
});
