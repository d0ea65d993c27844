// Faults of the Orthanc bridge with real parts: the bridge killed -9 in the middle of a
// burst (and more send jobs completing meanwhile than Orthanc's job history keeps),
// Orthanc restarted, Orthanc unreachable for a minute. Nothing lost, nothing doubled,
// and /health says what is wrong meanwhile.
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import { BridgeHarness, VENDOR_PEER } from './bridge-harness';

const REGISTERED = 'org.scantrail.study.registered';
const DISCLOSED = 'org.scantrail.disclosure.recorded';
const OUTAGE_MS = Number(process.env.BRIDGE_OUTAGE_MS ?? 60_000);

const oneInstanceStudy = (n: number): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId: `MRN-F${n}`,
  studyDate: '20240401',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances: 1 }],
});

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

describe('Orthanc bridge under faults', () => {
  // A job history of 3: the sends below outnumber it while the bridge is down.
  const h = new BridgeHarness({ stableAgeS: 1, jobsHistorySize: 3 });
  const uids: string[] = [];

  /** How many ledger entries of `type` have each subject, for the given subjects. */
  const entriesPerSubject = async (type: string, subjects: string[]): Promise<number[]> => {
    const rows = await h.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ledger_entries WHERE type = $1 AND subject = ANY($2) GROUP BY subject`,
      [type, subjects],
    );
    return rows.map((r) => r.n);
  };
  const waitForEntries = (type: string, subjects: string[], what: string) =>
    eventually(
      async () => {
        const counts = await entriesPerSubject(type, subjects);
        return counts.length === subjects.length ? counts : undefined;
      },
      180_000,
      what,
    );

  /** The bridge's /health once it names Orthanc unreachable. */
  const healthNamingOrthancUnreachable = () =>
    eventually(
      async () => {
        const body = await h.health();
        return body?.orthanc === 'unreachable' ? body : undefined;
      },
      60_000,
      'health naming Orthanc unreachable',
    );
  const healthOk = () =>
    eventually(async () => ((await h.health())?.status === 'ok' ? true : undefined), 60_000, 'ok');

  beforeAll(async () => {
    await h.start({
      [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
    });
    await h.startBridge();
  }, 240_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should record each of 200 studies and 12 sends once when the bridge is killed -9 mid-burst', async () => {
    const burst = Array.from({ length: 200 }, (_, n) => oneInstanceStudy(n));
    uids.push(...burst.map((s) => s.studyInstanceUid));
    let uploaded = 0;
    let killed = false;
    await inBatches(burst, 8, async (study) => {
      await h.upload(study);
      uploaded += 1;
      if (uploaded >= 60 && !killed) {
        killed = true;
        await h.bridge?.kill9();
      }
    });
    // While the bridge is down, twelve send jobs complete: four times the job history.
    const sent = burst.slice(0, 12);
    for (const study of sent) {
      await h.orthanc('POST', `/peers/${VENDOR_PEER}/store`, {
        Resources: [await h.orthancStudyId(study.studyInstanceUid)],
        Synchronous: true,
      });
    }
    const jobsKept = await h.orthanc<unknown[]>('GET', '/jobs');
    expect(jobsKept.length).toBeLessThanOrEqual(3);

    await h.startBridge();
    const registered = await waitForEntries(REGISTERED, uids, 'all 200 studies registered');
    expect(registered).toEqual(uids.map(() => 1));
    const sends = sent.map((s) => s.studyInstanceUid);
    expect(await waitForEntries(DISCLOSED, sends, 'all 12 sends recorded')).toEqual(
      sends.map(() => 1),
    );
    const quarantined = await h.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM quarantined_messages',
    );
    expect(quarantined[0]?.n).toBe(0);
  });

  it('should say Orthanc is unreachable while it restarts, then carry on without loss or doubles', async () => {
    const before = oneInstanceStudy(1000);
    await h.upload(before);
    await h.hospital.stop();
    const down = await healthNamingOrthancUnreachable();
    expect(down.status).toBe('down');
    expect(down.lastError).toMatch(/Orthanc at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    await h.restartHospital();
    const after = oneInstanceStudy(1001);
    await h.upload(after);
    const both = [before.studyInstanceUid, after.studyInstanceUid];
    expect(await waitForEntries(REGISTERED, both, 'studies around the restart')).toEqual([1, 1]);
    await healthOk();
    expect(await entriesPerSubject(REGISTERED, uids)).toEqual(uids.map(() => 1));
  });

  it('should report an Orthanc that stops answering for a minute, and miss nothing of that minute', async () => {
    const during = [oneInstanceStudy(2000), oneInstanceStudy(2001)];
    await Promise.all(during.map((s) => h.upload(s)));
    h.hospital.signal('SIGSTOP');
    try {
      const down = await healthNamingOrthancUnreachable();
      expect(down).toMatchObject({ status: 'down' });
      expect(await h.metrics()).toMatch(/scantrail_bridge_orthanc_up 0/);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
    } finally {
      h.hospital.signal('SIGCONT');
    }
    const subjects = during.map((s) => s.studyInstanceUid);
    expect(await waitForEntries(REGISTERED, subjects, 'studies of the outage')).toEqual([1, 1]);
    await healthOk();
    expect(await h.metrics()).toMatch(/scantrail_bridge_orthanc_up 1/);
  });
});
