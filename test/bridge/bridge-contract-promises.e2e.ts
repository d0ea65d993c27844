// CONTRACT section 6, promises no test held: "if Orthanc's change numbering restarts below
// the bridge's place (a new Orthanc database), the bridge starts over from the first
// change", "a destination name that Orthanc does not know (yet) is allowed and logged at
// start", BRIDGE_SOURCE as the CloudEvents `source` of its events, and "other
// modifications count as originals" (a study Orthanc made by /modify is registered), and
// (section 1) the message key is the event's subject. Without the first, a bridge whose Orthanc was rebuilt on an empty database asks
// for the changes after its old place and never sees a study of the new one.
// Reproduce: run this file (needs `npm run build`); E2E_ECHO=1 shows the bridge's lines.
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { Kafka, logLevel } from 'kafkajs';
import { e2eServices, eventually } from '../support/test-env';
import { BridgeHarness, VENDOR_PEER } from './bridge-harness';

const SOURCE = 'urn:example:hospital-a:pacs-1';
const NOT_YET_A_PEER = 'vendor-not-yet-configured';
const DESTINATIONS = {
  [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'AI_TRAINING', legalBasis: 'DEIDENTIFIED' },
  [NOT_YET_A_PEER]: { vendorId: 'vnd-later', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
};

const study = (patientId: string, instances: number): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  studyDate: '20240105',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances }],
});

interface Registered {
  study: { studyInstanceUid: string; modality: string } | null;
}

describe('Orthanc bridge: promises of CONTRACT 6 beside orthanc-bridge.e2e.ts', () => {
  const h = new BridgeHarness({ bridgeEnv: { BRIDGE_SOURCE: SOURCE } });
  const registered = (uid: string, what: string) =>
    eventually(
      async () =>
        (
          await h.query<Registered>(
            'query($uid: String!) { study(studyInstanceUid: $uid) { studyInstanceUid modality } }',
            { uid },
          )
        ).study ?? undefined,
      90_000,
      what,
    );

  beforeAll(async () => {
    await h.start(DESTINATIONS);
  }, 240_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should start, report ok and log the destination name Orthanc does not know', async () => {
    const bridge = await h.startBridge();
    expect((await h.health())?.status).toBe('ok');
    await eventually(
      () => Promise.resolve(bridge.output().includes(NOT_YET_A_PEER) ? true : undefined),
      30_000,
      'the unknown destination logged',
    );
    const line = bridge
      .output()
      .split('\n')
      .find((l) => l.includes(NOT_YET_A_PEER));
    expect(line).toMatch(/does not know/);
  });

  it('should register a study Orthanc made by modification (not anonymization) as an original of its own', async () => {
    const source = study('MRN-MODIFIED', 2);
    const sourceId = await h.upload(source);
    await registered(source.studyInstanceUid, 'the source study registered');
    const modified = await h.orthanc<{ ID: string }>('POST', `/studies/${sourceId}/modify`, {
      Replace: { StudyDescription: 'CT head, corrected description' },
      Force: true,
    });
    const tags = await h.orthanc<{ MainDicomTags: { StudyInstanceUID: string } }>(
      'GET',
      `/studies/${modified.ID}`,
    );
    const uid = tags.MainDicomTags.StudyInstanceUID;
    expect(uid).not.toBe(source.studyInstanceUid);
    const s = await registered(uid, 'the modified study registered');
    expect(s.modality).toBe('CT');
    expect(
      (await h.ledgerEvents('org.scantrail.study.registered')).filter(
        (e) => e.data.studyInstanceUid === uid,
      ),
    ).toHaveLength(1);
    // Not a derivative: no study.deidentified names it.
    expect(
      (await h.ledgerEvents('org.scantrail.study.deidentified')).filter(
        (e) => e.data.derivedStudyInstanceUid === uid,
      ),
    ).toEqual([]);
  }, 240_000);

  it("should register the studies of a new Orthanc database whose change numbering restarted below the bridge's place", async () => {
    // Many changes on the first database: 20 instances, their series, study and patient.
    const first = study('MRN-OLD-DB', 20);
    await h.upload(first);
    await registered(first.studyInstanceUid, 'the study of the first database registered');
    const placeBefore = (await h.orthanc<{ Last: number }>('GET', '/changes?limit=0')).Last;

    await h.restartHospital({ freshDatabase: true });
    const second = study('MRN-NEW-DB', 1);
    await h.upload(second);
    const changesOfNew = (await h.orthanc<{ Last: number }>('GET', '/changes?limit=0')).Last;
    // The new database's numbering is below the bridge's place (what this case is about).
    expect(changesOfNew).toBeLessThan(placeBefore);

    const s = await registered(second.studyInstanceUid, 'the study of the new database registered');
    expect(s.modality).toBe('CT');
    expect(h.bridge?.output()).toContain('starting over from the first change');
    // The first study stays recorded once; every event has BRIDGE_SOURCE as its source.
    const events = await h.ledgerEvents('org.scantrail.study.registered');
    expect(new Set(events.map((e) => e.source))).toEqual(new Set([SOURCE]));
    const registrations = events.map((e) => e.data.studyInstanceUid);
    expect(registrations.filter((uid) => uid === first.studyInstanceUid)).toHaveLength(1);
    expect(registrations.filter((uid) => uid === second.studyInstanceUid)).toHaveLength(1);
  }, 240_000);

  it("should key every message it publishes by the event's subject (section 1)", async () => {
    const consumer = new Kafka({
      clientId: 'bridge-key-reader',
      brokers: e2eServices().brokers,
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: `bridge-key-reader-${newUid()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: h.topic, fromBeginning: true });
    const messages: { key: string; value: string }[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        messages.push({
          key: message.key?.toString('utf8') ?? '',
          value: message.value?.toString('utf8') ?? '',
        });
        return Promise.resolve();
      },
    });
    const registered = await h.ledgerEvents('org.scantrail.study.registered');
    await eventually(
      () => Promise.resolve(messages.length >= registered.length ? true : undefined),
      30_000,
      'the topic read',
    );
    await consumer.disconnect();
    const mismatched = messages
      .map((m) => ({
        key: m.key,
        event: JSON.parse(m.value) as {
          type: string;
          subject: string;
          data: Record<string, unknown>;
        },
      }))
      .filter(
        ({ key, event }) =>
          key !== event.subject ||
          (event.type === 'org.scantrail.study.registered' &&
            event.subject !== event.data.studyInstanceUid),
      );
    expect(messages.length).toBeGreaterThanOrEqual(4);
    expect(mismatched).toEqual([]);
  }, 120_000);
});
