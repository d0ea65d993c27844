// Attack (CONTRACT 6: each successful send is recorded; one item the bridge cannot read never
// stops the ones behind it). Without the job journal hook (or for a job it missed), the
// bridge asks Orthanc which studies a send job sent:
// - a send of a whole patient (POST /peers/{peer}/store {"Resources": [patientId]}, a real
//   OrthancPeerStore job whose ParentResources is the patient) resolved to no study: logged as
//   'names no study Orthanc still has' and never recorded;
// - one resource Orthanc answers with an error (500, not JSON, a timeout) threw out of
//   sendJobs: the job journal place and every send behind it stalled, retried forever, as an
//   unreadable study did before d6dede8.
// Reproduce: npx jest --config jest.unit.config.js apps/bridge/src/jobs/studies-of-job.spec.ts
import { OrthancHttpError } from '../orthanc/orthanc-client';
import type { SendJob } from './send-jobs';
import { studiesOfJob, type JobResourceReader } from './studies-of-job';

const job = (resources: string[]): SendJob => ({
  jobId: 'j1',
  kind: 'peer',
  jobType: 'OrthancPeerStore',
  completedAt: '2026-12-03T12:16:39.108Z',
  peerUrl: 'http://10.0.0.5:8042/',
  resources,
});

/** A fake Orthanc with patient p1 (studies s1, s2), series r1 (study s1), and `broken`. */
function orthanc(options: { systemUp?: boolean } = {}): JobResourceReader {
  const studies: Record<string, string> = { s1: '1.2.3.1', s2: '1.2.3.2' };
  return {
    study: (id) => {
      if (id === 'broken') return Promise.reject(new OrthancHttpError(500, '/studies/…'));
      const uid = studies[id];
      return Promise.resolve(uid ? { MainDicomTags: { StudyInstanceUID: uid } } : undefined);
    },
    parentStudyUid: (level, id) =>
      Promise.resolve(level === 'series' && id === 'r1' ? '1.2.3.1' : undefined),
    patientStudyIds: (id) => Promise.resolve(id === 'p1' ? ['s1', 's2'] : undefined),
    system: () =>
      options.systemUp === false
        ? Promise.reject(new TypeError('fetch failed'))
        : Promise.resolve({ Name: 'hospital' }),
  };
}

describe('studiesOfJob', () => {
  it('should resolve studies, series and instances to their studies', async () => {
    await expect(studiesOfJob(job(['s2', 'r1', 'gone']), orthanc())).resolves.toEqual({
      uids: ['1.2.3.2', '1.2.3.1'],
      unreadable: [],
    });
  });

  it("should resolve a send of a whole patient to the patient's studies", async () => {
    await expect(studiesOfJob(job(['p1']), orthanc())).resolves.toEqual({
      uids: ['1.2.3.1', '1.2.3.2'],
      unreadable: [],
    });
  });

  it('should report a resource Orthanc cannot answer for and resolve the others', async () => {
    await expect(studiesOfJob(job(['broken', 's2']), orthanc())).resolves.toEqual({
      uids: ['1.2.3.2'],
      unreadable: ['Orthanc answered 500 to /studies/…'],
    });
  });

  it('should throw while Orthanc itself does not answer (the step is retried)', async () => {
    await expect(studiesOfJob(job(['broken']), orthanc({ systemUp: false }))).rejects.toThrow(
      'Orthanc answered 500',
    );
  });

  it('should resolve a study or patient Orthanc no longer has to the studies the bridge remembers', async () => {
    // Sent, then deleted from Orthanc before the bridge read the job (bridge-no-hook e2e).
    const remembered = new Map([
      ['s9', ['1.2.3.9']],
      ['p9', ['1.2.3.8', '1.2.3.9']],
    ]);
    const asked: string[][] = [];
    const known = (ids: string[]): Promise<Map<string, string[]>> => {
      asked.push(ids);
      return Promise.resolve(remembered);
    };
    await expect(studiesOfJob(job(['s2', 's9', 'p9', 'x']), orthanc(), known)).resolves.toEqual({
      uids: ['1.2.3.2', '1.2.3.9', '1.2.3.8'],
      unreadable: [],
    });
    expect(asked).toEqual([['s9', 'p9', 'x']]); // only what Orthanc no longer has
  });
});
