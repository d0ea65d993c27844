// Attack: one study Orthanc cannot serve must not stall the bridge. The bridge moves its
// change cursor only after a page of stable studies is settled, and follows the job journal
// only after the changes: a study whose processing throws (here an instance file damaged in
// Orthanc's storage, so Orthanc refuses to read its tags) was retried forever, and every
// study and send behind it was never published (CONTRACT 6: each stable study is
// registered or held and reported; each successful send is recorded).
// Reproduce: upload two studies, overwrite the first one's stored file with garbage, send
// the second to a mapped peer, start the bridge: the second is never registered nor its
// send recorded, and /health says 'down' with Orthanc's refusal, forever.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import { BridgeHarness, VENDOR_PEER } from './bridge-harness';

const REGISTERED = 'org.scantrail.study.registered';
const DISCLOSED = 'org.scantrail.disclosure.recorded';

const oneInstanceStudy = (patientId: string): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  studyDate: '20240401',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances: 1 }],
});

/** Every file of Orthanc's storage directory (attachments are stored by uuid). */
function storedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...storedFiles(path));
    else out.push(path);
  }
  return out;
}

describe('Orthanc bridge and a study Orthanc cannot serve', () => {
  const h = new BridgeHarness({ stableAgeS: 1 });

  beforeAll(async () => {
    await h.start({
      [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
    });
  }, 240_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should hold the broken study and go on publishing the studies and sends behind it', async () => {
    const broken = oneInstanceStudy('MRN-POISON');
    await h.upload(broken);
    const brokenId = await h.orthancStudyId(broken.studyInstanceUid);
    const series = await h.orthanc<{ Instances: string[] }[]>(
      'GET',
      `/studies/${brokenId}/series?expand`,
    );
    const instanceId = series[0]?.Instances[0] ?? '';
    // The instance's stored files (its DICOM file and any cached copy) damaged on disk.
    const names = await h.orthanc<string[]>('GET', `/instances/${instanceId}/attachments`);
    const storage = join(h.dir, 'hospital-orthanc', 'storage');
    const originals = new Map<string, Buffer>();
    for (const name of names) {
      const info = await h.orthanc<{ Uuid: string }>(
        'GET',
        `/instances/${instanceId}/attachments/${name}/info`,
      );
      const file = storedFiles(storage).find((f) => f.endsWith(info.Uuid));
      if (!file) throw new Error(`attachment ${name} not found under ${storage}`);
      originals.set(file, readFileSync(file));
      writeFileSync(file, Buffer.from('this is not a DICOM file'.repeat(8)));
    }
    await h.restartHospital(); // Orthanc's cache of parsed files forgets it
    const tags = await fetch(`${h.hospital.url}/instances/${instanceId}/simplified-tags`);
    expect(tags.status).not.toBe(200); // Orthanc itself cannot read it any more

    const healthy = oneInstanceStudy('MRN-HEALTHY');
    await h.upload(healthy);
    await h.orthanc('POST', `/peers/${VENDOR_PEER}/store`, {
      Resources: [await h.orthancStudyId(healthy.studyInstanceUid)],
      Synchronous: true,
    });
    await new Promise((r) => setTimeout(r, 2_500)); // both stable before the bridge looks
    await h.startBridge();

    const subjectsOf = async (type: string) =>
      (
        await h.db.dataSource.query<{ subject: string }[]>(
          'SELECT subject FROM ledger_entries WHERE type = $1',
          [type],
        )
      ).map((r) => r.subject);
    const stalled = async (what: string) => {
      const health = await h.health();
      return `${what}: the bridge stalls on the study Orthanc cannot serve (health ${JSON.stringify(health)})`;
    };
    await eventually(
      async () =>
        (await subjectsOf(REGISTERED)).includes(healthy.studyInstanceUid) ? true : undefined,
      60_000,
      'the healthy study registered',
    ).catch(async (e: unknown) => {
      throw new Error(
        `${await stalled('no study.registered for the healthy study')} (${String(e)})`,
      );
    });
    await eventually(
      async () =>
        (await subjectsOf(DISCLOSED)).includes(healthy.studyInstanceUid) ? true : undefined,
      60_000,
      'the send recorded',
    ).catch(async (e: unknown) => {
      throw new Error(`${await stalled('no disclosure for the healthy send')} (${String(e)})`);
    });
    expect(await subjectsOf(REGISTERED)).not.toContain(broken.studyInstanceUid);
    // The broken study is held and reported, like a study without Patient ID.
    const health = await eventually(
      async () => {
        const body = await h.health();
        return body && body.held.studies === 1 ? body : undefined;
      },
      30_000,
      'the broken study held',
    );
    expect(health.status).toBe('degraded');
    expect(h.bridge?.output()).toMatch(/study held/);
    expect(h.bridge?.output()).not.toContain('MRN-POISON');

    // The cursor moved on: a study uploaded now is published too.
    const later = oneInstanceStudy('MRN-LATER');
    await h.upload(later);
    await eventually(
      async () =>
        (await subjectsOf(REGISTERED)).includes(later.studyInstanceUid) ? true : undefined,
      60_000,
      'a later study registered',
    );

    // Repaired in Orthanc's storage: the held study is read again, published and released.
    for (const [file, bytes] of originals) writeFileSync(file, bytes);
    await h.restartHospital();
    await eventually(
      async () =>
        (await subjectsOf(REGISTERED)).includes(broken.studyInstanceUid) ? true : undefined,
      60_000,
      'the repaired study registered',
    );
    await eventually(
      async () => {
        const body = await h.health();
        return body && body.held.studies === 0 ? body : undefined;
      },
      30_000,
      'the repaired study released',
    );
    expect(h.bridge?.output()).toMatch(/held studies read again/);
  });
});
