// Attack (CONTRACT 6: "DICOMweb sends count where Orthanc's job names the server and the
// resources; other DICOMweb jobs are not seen"): real STOW-RS sends from the hospital
// Orthanc to the vendor's DICOMweb root, as a hospital makes them (POST
// /dicom-web/servers/NAME/stow), of a study, a series, some instances, two studies, one
// synchronous, one to a server missing from BRIDGE_DESTINATIONS, one that fails. Debian 12's
// Orthanc 1.10.1 with its DICOMweb plugin 1.7 names neither the server nor the resources in
// its jobs (Content is only InstancesCount and NetworkSizeMB, synchronous sends included), so
// the privacy officer must find no disclosure guessed from them, nothing held that no mapping
// could ever release, and each such send reported for what it is, once, across a restart.
// A peer send beside them is recorded as usual.
// Reproduce: npx jest --config jest.e2e.config.js test/bridge/bridge-dicomweb.e2e.ts
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import type { UnrecordedSendRow } from '../../apps/dashboard/src/bridge/bridge-queries';
import { eventually } from '../support/test-env';
import { BridgeHarness, UNMAPPED_DICOMWEB, VENDOR_DICOMWEB, VENDOR_PEER } from './bridge-harness';

const MAPPED = {
  [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'AI_TRAINING', legalBasis: 'IRB_WAIVER' },
  [VENDOR_DICOMWEB]: {
    vendorId: 'vnd-acme-cloud',
    purpose: 'AI_TRAINING',
    legalBasis: 'PATIENT_AUTHORIZATION',
    agreementId: 'DUA-CLOUD-1',
  },
};
const UNNAMED = 'dicomweb_unnamed';
const UNNAMED_LOG = 'does not name its DICOMweb server and resources';

const twoSeries = (patientId: string): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  patientName: 'Doe^Jane',
  studyDate: '20240105',
  institutionName: 'General Hospital',
  series: [
    { seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances: 2 },
    { seriesInstanceUid: newUid(), seriesNumber: 2, modality: 'CT', instances: 2 },
  ],
});

interface OrthancJob {
  ID: string;
  State: string;
  Type: string;
  Content: Record<string, unknown>;
}

describe('Orthanc bridge and DICOMweb (STOW-RS) sends', () => {
  const h = new BridgeHarness();
  const a = twoSeries('MRN-DW-1');
  const b = twoSeries('MRN-DW-2');
  const c = twoSeries('MRN-DW-3');
  const stowed: string[] = [];

  const disclosures = async () =>
    (await h.ledgerEvents('org.scantrail.disclosure.recorded')).map((e) => ({
      study: (e.data.target as { studyInstanceUid: string }).studyInstanceUid,
      channel: e.data.channel,
    }));
  const unrecorded = async (): Promise<number> =>
    Number(
      new RegExp(
        `scantrail_bridge_send_jobs_unrecorded_total\\{reason="${UNNAMED}"\\} (\\d+)`,
      ).exec(await h.metrics())?.[1] ?? 0,
    );
  const job = (id: string): Promise<OrthancJob> => h.orthanc<OrthancJob>('GET', `/jobs/${id}`);
  const finished = (id: string): Promise<OrthancJob> =>
    eventually(
      async () => {
        const j = await job(id);
        return j.State === 'Success' || j.State === 'Failure' ? j : undefined;
      },
      60_000,
      `job ${id} finished`,
    );
  /** An asynchronous STOW as Orthanc Explorer makes it; the job once finished. */
  const stow = async (server: string, resources: string[]): Promise<OrthancJob> => {
    const { ID } = await h.orthanc<{ ID: string }>('POST', `/dicom-web/servers/${server}/stow`, {
      Resources: resources,
      Synchronous: false,
    });
    return finished(ID);
  };
  const studyOf = async (uid: string) =>
    h.orthanc<{ ID: string; Series: string[]; ParentPatient: string }>(
      'GET',
      `/studies/${await h.orthancStudyId(uid)}`,
    );
  // What a privacy officer reads of the sends the bridge could not record (bridgeState), the
  // fields the dashboard asks for.
  const UNRECORDED_STATE = `{ bridgeState { unrecordedSends unrecorded {
    jobKey reason jobType destinationKind destination instances completedAt noticedAt source } } }`;
  const unrecordedSeen = async () =>
    (
      await h.query<{
        bridgeState: { unrecordedSends: number; unrecorded: UnrecordedSendRow[] };
      }>(UNRECORDED_STATE)
    ).bridgeState;
  /** Orthanc's CompletionTime (UTC, YYYYMMDDTHHMMSS.ffffff) as the API writes times. */
  const completion = (j: OrthancJob & { CompletionTime?: string }): string => {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?/.exec(
      j.CompletionTime ?? '',
    );
    if (!m) throw new Error(`job ${j.ID}: CompletionTime ${String(j.CompletionTime)}`);
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? '').padEnd(3, '0')}Z`;
  };
  let seenBeforeRestart: UnrecordedSendRow[] = [];
  const vendorStudies = async (): Promise<number> =>
    ((await (await fetch(`${h.vendor.url}/studies`)).json()) as string[]).length;

  beforeAll(async () => {
    await h.start(MAPPED);
    for (const s of [a, b, c]) await h.upload(s);
    await h.startBridge();
    await eventually(
      async () =>
        (await h.ledgerEvents('org.scantrail.study.registered')).length === 3 ? true : undefined,
      90_000,
      'the three studies registered',
    );
  }, 240_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should record no disclosure from a STOW job that does not name its server and resources, report each one, and hold nothing', async () => {
    const studyA = await studyOf(a.studyInstanceUid);
    const studyB = await studyOf(b.studyInstanceUid);
    const studyC = await studyOf(c.studyInstanceUid);
    const seriesB = await h.orthanc<{ Instances: string[] }>('GET', `/series/${studyB.Series[0]}`);
    const jobs = [
      await stow(VENDOR_DICOMWEB, [studyA.ID]),
      await stow(VENDOR_DICOMWEB, [studyB.Series[1]]),
      await stow(VENDOR_DICOMWEB, [seriesB.Instances[0]]),
      await stow(VENDOR_DICOMWEB, [studyA.ID, studyC.ID]),
      await stow(UNMAPPED_DICOMWEB, [studyC.ID]),
    ];
    for (const j of jobs) {
      expect(j).toMatchObject({ Type: 'DicomWebStowClient', State: 'Success' });
      stowed.push(j.ID);
    }
    // What Orthanc 1.10.1 with DICOMweb 1.7 reports: counts, no server, no resources.
    expect(Object.keys(jobs[3].Content).sort()).toEqual(['InstancesCount', 'NetworkSizeMB']);
    // A synchronous STOW answers without a job id, yet runs as the same kind of job.
    const before = new Set((await h.orthanc<string[]>('GET', '/jobs')).values());
    const answer = await h.orthanc<Record<string, unknown>>(
      'POST',
      `/dicom-web/servers/${VENDOR_DICOMWEB}/stow`,
      { Resources: [studyB.ID], Synchronous: true },
    );
    expect(answer.ID).toBeUndefined();
    const synchronous = (await h.orthanc<string[]>('GET', '/jobs')).filter((id) => !before.has(id));
    expect(synchronous).toHaveLength(1);
    expect(await finished(synchronous[0])).toMatchObject({
      Type: 'DicomWebStowClient',
      State: 'Success',
    });
    stowed.push(synchronous[0]);
    // The data did leave: the vendor holds all three studies.
    expect(await vendorStudies()).toBe(3);

    // A peer send after them: the bridge reads the journal in order, so once it is recorded
    // every STOW before it was looked at.
    const peer = await h.orthanc<{ ID: string }>('POST', `/peers/${VENDOR_PEER}/store`, {
      Resources: [studyA.ID],
      Asynchronous: true,
    });
    expect((await finished(peer.ID)).State).toBe('Success');
    await eventually(
      async () => ((await disclosures()).length > 0 ? true : undefined),
      60_000,
      'the peer send recorded',
    );
    await eventually(
      async () => ((await unrecorded()) >= stowed.length ? true : undefined),
      30_000,
      'every STOW reported',
    );
    await new Promise((r) => setTimeout(r, 2_000)); // ten more looks of the bridge
    expect(await disclosures()).toEqual([
      { study: a.studyInstanceUid, channel: `orthanc-peer:${VENDOR_PEER}` },
    ]);
    expect(await unrecorded()).toBe(stowed.length);
    const health = await h.health();
    expect(health).toMatchObject({ status: 'ok', held: { sends: 0, studies: 0 } });
    const lines = h.bridge!.output().split('\n');
    for (const id of stowed) {
      const logged = lines.filter((line) => line.includes(id));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain(UNNAMED_LOG);
    }
    for (const mrn of ['MRN-DW-1', 'MRN-DW-2', 'MRN-DW-3'])
      expect(h.bridge!.output()).not.toContain(mrn);

    // What the privacy officer sees: each STOW once, newest first, with what Orthanc said of
    // it, keyed as the bridge's log line keys it (beside Orthanc's job id there).
    const state = await unrecordedSeen();
    expect(state.unrecordedSends).toBe(stowed.length);
    expect(state.unrecorded).toHaveLength(stowed.length);
    const expected = await Promise.all(
      stowed.map(async (id) => {
        const j = (await job(id)) as OrthancJob & { CompletionTime?: string };
        const line = lines.find((l) => l.includes(id)) as string;
        return {
          jobKey: (JSON.parse(line) as { jobKey: string }).jobKey,
          reason: UNNAMED,
          jobType: 'DicomWebStowClient',
          destinationKind: 'dicomweb',
          destination: null,
          instances: Number(j.Content.InstancesCount),
          completedAt: completion(j),
          source: state.unrecorded[0]?.source,
        };
      }),
    );
    expect(state.unrecorded.map(({ noticedAt: _n, ...rest }) => rest)).toEqual(
      [...expected].sort(
        (x, y) => y.completedAt.localeCompare(x.completedAt) || x.jobKey.localeCompare(y.jobKey),
      ),
    );
    expect(expected.map((e) => e.instances)).toEqual([4, 2, 1, 8, 4, 4]);
    expect(state.unrecorded[0].source).toMatch(/^urn:scantrail:orthanc:/);
    for (const send of state.unrecorded) {
      expect(Date.parse(send.noticedAt)).toBeGreaterThanOrEqual(Date.parse(send.completedAt!));
    }
    // Kept by the bridge's keyed hash only: no Orthanc id in its table.
    const stored = JSON.stringify(
      await h.db.dataSource.query('SELECT * FROM bridge_unrecorded_sends'),
    );
    for (const id of stowed) expect(stored).not.toContain(id);
    seenBeforeRestart = state.unrecorded;
    // A vendor is not told (as for the rest of bridgeState).
    const asVendor = await h.client.send(h.token(['vendor'], 'vnd-acme-cloud'), UNRECORDED_STATE);
    expect(asVendor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asVendor.data ?? null).toBeNull();
  });

  // A DICOMweb plugin that names its server and resources (Orthanc Explorer 2 reads newer
  // ones' Content.Resources as lists by level): the line the job journal hook would write
  // for such a job, with real Orthanc ids, so all the rest is the real bridge and ledger.
  const namedStow = (
    server: string,
    resources: Record<string, string[]>,
    CompletionTime: string,
  ): void =>
    appendFileSync(
      h.journal,
      `${JSON.stringify({
        Kind: 'job',
        ID: randomUUID(),
        Type: 'DicomWebStowClient',
        CompletionTime,
        Content: {
          InstancesCount: '3',
          NetworkSizeMB: '0',
          ServerName: server,
          Resources: resources,
        },
        StudyInstanceUids: [],
      })}\n`,
    );
  const dicomWebSent = async (server: string) =>
    (await h.ledgerEvents('org.scantrail.disclosure.recorded')).filter(
      (e) => e.data.channel === `orthanc-dicomweb:${server}`,
    );

  it("should record each study of a STOW job naming its server and resources once, with that server's mapping and the job's completion time", async () => {
    const studyA = await studyOf(a.studyInstanceUid);
    const studyB = await studyOf(b.studyInstanceUid);
    const studyC = await studyOf(c.studyInstanceUid);
    const seriesC = await h.orthanc<{ Instances: string[] }>('GET', `/series/${studyC.Series[1]}`);
    // One series and some instances of another series of c: c once. Then a and b.
    namedStow(
      VENDOR_DICOMWEB,
      { Series: [studyC.Series[0]], Instances: seriesC.Instances },
      '20261207T080000.250000',
    );
    namedStow(VENDOR_DICOMWEB, { Studies: [studyA.ID, studyB.ID] }, '20261207T080100');
    await eventually(
      async () => ((await dicomWebSent(VENDOR_DICOMWEB)).length >= 3 ? true : undefined),
      60_000,
      'the named STOWs recorded',
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const sent = await dicomWebSent(VENDOR_DICOMWEB);
    // Ledger order follows Kafka partitions (keyed by study), not the jobs.
    expect(
      sent
        .map((e) => [(e.data.target as { studyInstanceUid: string }).studyInstanceUid, e.time])
        .sort((x, y) => x[1].localeCompare(y[1]) || x[0].localeCompare(y[0])),
    ).toEqual([
      [c.studyInstanceUid, '2026-12-07T08:00:00.250Z'],
      ...[a.studyInstanceUid, b.studyInstanceUid]
        .sort()
        .map((uid) => [uid, '2026-12-07T08:01:00.000Z']),
    ]);
    for (const e of sent) {
      expect(e.data).toMatchObject({
        recipientVendorId: 'vnd-acme-cloud',
        purpose: 'AI_TRAINING',
        legalBasis: 'PATIENT_AUTHORIZATION',
        agreementId: 'DUA-CLOUD-1',
      });
    }
    // What the privacy officer sees of study c through the API.
    const seen = await eventually(
      async () => {
        const r = await h.query<{
          study: { disclosures: { occurredAt: string; recipient: { vendorId: string } }[] };
        }>(
          'query($uid: String!) { study(studyInstanceUid: $uid) { disclosures { occurredAt recipient { vendorId } } } }',
          { uid: c.studyInstanceUid },
        );
        return r.study.disclosures.length > 0 ? r.study.disclosures : undefined;
      },
      30_000,
      'study c disclosed in the API',
    );
    expect(seen).toEqual([
      { occurredAt: '2026-12-07T08:00:00.250Z', recipient: { vendorId: 'vnd-acme-cloud' } },
    ]);
  });

  it('should hold a named STOW to a server missing from BRIDGE_DESTINATIONS, and publish it once mapped', async () => {
    const studyC = await studyOf(c.studyInstanceUid);
    namedStow(UNMAPPED_DICOMWEB, { Studies: [studyC.ID] }, '20261207T080200');
    const health = await eventually(
      async () => {
        const body = await h.health();
        return body?.held.sends === 1 ? body : undefined;
      },
      60_000,
      'the held STOW',
    );
    expect(health.status).toBe('degraded');
    expect(await h.metrics()).toMatch(/scantrail_bridge_held_sends 1\b/);
    expect(
      h
        .bridge!.output()
        .split('\n')
        .filter((line) => line.includes('send held') && line.includes(UNMAPPED_DICOMWEB)),
    ).toHaveLength(1);
    expect(await dicomWebSent(UNMAPPED_DICOMWEB)).toEqual([]);

    h.writeDestinations({
      ...MAPPED,
      [UNMAPPED_DICOMWEB]: {
        vendorId: 'vnd-research',
        purpose: 'RESEARCH',
        legalBasis: 'IRB_WAIVER',
      },
    });
    await eventually(
      async () => ((await dicomWebSent(UNMAPPED_DICOMWEB)).length > 0 ? true : undefined),
      60_000,
      'the held STOW published',
    );
    await eventually(
      async () => ((await h.health())?.status === 'ok' ? true : undefined),
      30_000,
      'health ok again',
    );
    const released = await dicomWebSent(UNMAPPED_DICOMWEB);
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({
      time: '2026-12-07T08:02:00.000Z',
      data: {
        recipientVendorId: 'vnd-research',
        target: { studyInstanceUid: c.studyInstanceUid },
      },
    });
  });

  it('should neither record nor report any of those STOWs again after a bridge restart', async () => {
    const before = await disclosures();
    expect(before).toHaveLength(5);
    await h.bridge?.terminate(10_000);
    await h.startBridge();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await unrecorded()).toBe(0);
    expect(h.bridge!.output()).not.toContain(UNNAMED_LOG);
    expect(await disclosures()).toEqual(before);
    expect(await h.health()).toMatchObject({ status: 'ok', held: { sends: 0 } });
    // Still shown to the privacy officer, each once.
    expect(await unrecordedSeen()).toEqual({
      unrecordedSends: seenBeforeRestart.length,
      unrecorded: seenBeforeRestart,
    });
  });

  it('should neither record nor report a STOW that failed (the vendor down)', async () => {
    const before = await disclosures();
    await h.vendor.stop();
    const failed = await stow(VENDOR_DICOMWEB, [(await studyOf(b.studyInstanceUid)).ID]);
    expect(failed).toMatchObject({ Type: 'DicomWebStowClient', State: 'Failure' });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await unrecorded()).toBe(0);
    expect(h.bridge!.output()).not.toContain(failed.ID);
    expect(await disclosures()).toEqual(before);
    expect((await h.health())?.status).toBe('ok');
    expect((await unrecordedSeen()).unrecordedSends).toBe(seenBeforeRestart.length);
  });
});
