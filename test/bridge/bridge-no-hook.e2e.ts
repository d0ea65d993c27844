// Attack (CONTRACT 6: each successful send job recorded, once): the bridge against a real
// Orthanc WITHOUT the job journal hook, so every send is read from Orthanc's own job list.
// A whole patient sent to a peer (the job's resources name the patient, not its studies),
// then Orthanc restarted while the bridge polls, then a study sent after the restart, then a
// study sent and deleted before the bridge read the job: each study sent is recorded exactly
// once, nothing of another patient, and nothing stalls.
// Reproduce: npx jest --config jest.e2e.config.js test/bridge/bridge-no-hook.e2e.ts
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import { BridgeHarness, VENDOR_PEER } from './bridge-harness';

const MAPPED = {
  [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'AI_TRAINING', legalBasis: 'IRB_WAIVER' },
};

const small = (patientId: string, studyDate: string): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  patientName: 'Doe^Jane',
  studyDate,
  institutionName: 'General Hospital',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CR', instances: 2 }],
});

describe('Orthanc bridge without the job journal hook', () => {
  const h = new BridgeHarness({ jobHook: false });
  const first = small('MRN-PAT-1', '20240105');
  const second = small('MRN-PAT-1', '20240210');
  const other = small('MRN-PAT-2', '20240301');
  const gone = small('MRN-PAT-3', '20240315');

  const disclosuresOf = async (): Promise<Map<string, number>> => {
    const sent = await h.ledgerEvents('org.scantrail.disclosure.recorded');
    const counts = new Map<string, number>();
    for (const e of sent) {
      const uid = (e.data.target as { studyInstanceUid?: string }).studyInstanceUid ?? '?';
      counts.set(uid, (counts.get(uid) ?? 0) + 1);
    }
    return counts;
  };
  const registered = (uid: string): Promise<true> =>
    eventually(
      async () => {
        const s = await h.query<{ study: { studyInstanceUid: string } | null }>(
          'query($uid: String!) { study(studyInstanceUid: $uid) { studyInstanceUid } }',
          { uid },
        );
        return s.study ? true : undefined;
      },
      90_000,
      `study ${uid} registered`,
    );
  const sendAndWait = async (resources: string[]): Promise<void> => {
    const job = await h.orthanc<{ ID: string }>('POST', `/peers/${VENDOR_PEER}/store`, {
      Resources: resources,
      Asynchronous: true,
    });
    await eventually(
      async () => {
        const j = await h.orthanc<{ State: string }>('GET', `/jobs/${job.ID}`);
        return j.State === 'Success' ? true : undefined;
      },
      60_000,
      'the peer store job',
    );
  };

  beforeAll(async () => {
    await h.start(MAPPED);
    for (const s of [first, second, other, gone]) await h.upload(s);
    await h.startBridge();
    for (const s of [first, second, other, gone]) await registered(s.studyInstanceUid);
  }, 240_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should record each study of a whole-patient send once, and nothing of another patient', async () => {
    expect((await h.health())?.jobHook).not.toBe('active');
    const study = await h.orthanc<{ ParentPatient: string }>(
      'GET',
      `/studies/${await h.orthancStudyId(first.studyInstanceUid)}`,
    );
    await sendAndWait([study.ParentPatient]);
    await eventually(
      async () => ((await disclosuresOf()).size >= 2 ? true : undefined),
      60_000,
      'both studies of the patient recorded',
    );
    // A few more polls (200 ms each): nothing recorded twice.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(Object.fromEntries(await disclosuresOf())).toEqual({
      [first.studyInstanceUid]: 1,
      [second.studyInstanceUid]: 1,
    });
  });

  it('should record a send made after Orthanc restarted mid-poll once, and the earlier ones still once', async () => {
    await h.restartHospital();
    await sendAndWait([await h.orthancStudyId(other.studyInstanceUid)]);
    await eventually(
      async () => ((await disclosuresOf()).has(other.studyInstanceUid) ? true : undefined),
      90_000,
      'the send after the restart recorded',
    );
    await new Promise((r) => setTimeout(r, 3_000));
    expect(Object.fromEntries(await disclosuresOf())).toEqual({
      [first.studyInstanceUid]: 1,
      [second.studyInstanceUid]: 1,
      [other.studyInstanceUid]: 1,
    });
    await eventually(
      async () => ((await h.health())?.status === 'ok' ? true : undefined),
      60_000,
      'bridge health ok after the restart',
    );
  });

  it('should record a successful send of a study deleted from Orthanc before the bridge read the job', async () => {
    // The bridge registered the study, then was down (or between two polls) while the
    // hospital sent it and deleted it, as a routing PACS does once a study is forwarded.
    // Orthanc's job history keeps the successful job, naming the study by Orthanc id only.
    // On main the bridge asks Orthanc for that id, finds nothing ('names no study Orthanc
    // still has') and never records the send: CONTRACT 6 says each successful send job.
    const id = await h.orthancStudyId(gone.studyInstanceUid);
    await h.bridge?.terminate(10_000);
    await sendAndWait([id]);
    await h.orthanc('DELETE', `/studies/${id}`);
    await h.startBridge();
    await eventually(
      async () => ((await disclosuresOf()).has(gone.studyInstanceUid) ? true : undefined),
      60_000,
      'the send of the deleted study recorded',
    );
    expect((await disclosuresOf()).get(gone.studyInstanceUid)).toBe(1);
    // What made it possible is kept by keyed hash only: Orthanc's ids are unkeyed SHA-1
    // hashes of patient data (a patient's, of the Patient ID alone: an MRN found by trying
    // them all), so neither the study's nor its patient's is stored in clear.
    const patient = await h.orthanc<{ ParentPatient: string }>(
      'GET',
      `/studies/${await h.orthancStudyId(first.studyInstanceUid)}`,
    );
    const kept = JSON.stringify(
      await h.db.dataSource.query('SELECT * FROM bridge_known_studies ORDER BY 1, 2'),
    );
    expect(kept).toContain(gone.studyInstanceUid);
    for (const orthancId of [id, patient.ParentPatient]) expect(kept).not.toContain(orthancId);
  });
});
