// CONTRACT section 6 end to end: studies arrive in a real hospital Orthanc (REST and a real
// C-STORE), are anonymized there properly and carelessly, and are sent to a mapped peer
// and to an unmapped DICOM modality (both a real vendor Orthanc); the bridge publishes,
// the ingest records, and the answers are read back through GraphQL.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { dicomFilesOf, newUid, sendWithStorescu, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import { BridgeHarness, HOSPITAL_NAME, UNMAPPED_MODALITY, VENDOR_PEER } from './bridge-harness';
import { removeScratchDirs, scratchDir } from '../support/scratch';

afterAll(removeScratchDirs);

const SOURCE = `urn:scantrail:orthanc:${HOSPITAL_NAME.replace(/[^A-Za-z0-9._-]/g, '-')}`;

const MAPPED = {
  [VENDOR_PEER]: {
    vendorId: 'vnd-acme',
    purpose: 'AI_TRAINING',
    legalBasis: 'DEIDENTIFIED',
    agreementId: 'agr-acme-1',
  },
};

interface StudyView {
  study: {
    studyInstanceUid: string;
    modality: string;
    bodyPart: string | null;
    studyDate: string | null;
    methodCodes: string[];
    derivedFrom: { studyInstanceUid: string } | null;
    derivatives: { studyInstanceUid: string }[];
    disclosures: {
      disclosureId: string;
      occurredAt: string;
      purpose: string;
      legalBasis: string;
      recipient: { vendorId: string };
    }[];
    findings: { code: string; vendorId: string }[];
  } | null;
}

const STUDY_QUERY = `query($uid: String!) { study(studyInstanceUid: $uid) {
  studyInstanceUid modality bodyPart studyDate methodCodes
  derivedFrom { studyInstanceUid } derivatives { studyInstanceUid }
  disclosures { disclosureId occurredAt purpose legalBasis recipient { vendorId } }
  findings { code vendorId } } }`;

const headCt = (patientId: string): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  patientName: 'Doe^Jane',
  studyDate: '20240105',
  accessionNumber: 'ACC-100',
  institutionName: 'General Hospital',
  description: 'CT head without contrast',
  series: [
    // Series 2 uploaded first: the first series is chosen by number, not by arrival.
    {
      seriesInstanceUid: newUid(),
      seriesNumber: 2,
      modality: 'CT',
      bodyPart: 'BRAIN',
      instances: 20,
    },
    {
      seriesInstanceUid: newUid(),
      seriesNumber: 1,
      modality: 'CT',
      bodyPart: 'HEAD',
      instances: 1,
    },
  ],
});

describe('Orthanc bridge (CONTRACT section 6)', () => {
  const h = new BridgeHarness();
  const study = (uid: string): Promise<StudyView> => h.query<StudyView>(STUDY_QUERY, { uid });
  const studyWhen = (
    uid: string,
    ready: (s: NonNullable<StudyView['study']>) => boolean,
    what: string,
  ) =>
    eventually(
      async () => {
        const s = (await study(uid)).study;
        return s && ready(s) ? s : undefined;
      },
      90_000,
      what,
    );

  const original = headCt('MRN-004211');
  const cStored: DemoStudy = {
    studyInstanceUid: newUid(),
    patientId: 'MRN-77',
    issuerOfPatientId: 'urn:oid:2.16.840.1.113883.3.7',
    studyDate: '20240210',
    series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'MR', instances: 2 }],
  };
  const noPatientId: DemoStudy = {
    studyInstanceUid: newUid(),
    studyDate: '20240301',
    series: [{ seriesInstanceUid: newUid(), modality: 'CR', instances: 1 }],
  };
  let originalId = '';
  let noPatientOrthancId = '';
  let properUid = '';
  let carelessUid = '';

  beforeAll(async () => {
    await h.start(MAPPED);
    originalId = await h.upload(original);
    // Real C-STOREs; Orthanc's REST upload would invent a Patient ID for the second one.
    const dir = scratchDir('bridge-e2e-');
    const files = [
      ...(await dicomFilesOf(cStored, dir)),
      ...(await dicomFilesOf(noPatientId, dir)),
    ];
    await sendWithStorescu(files, {
      host: '127.0.0.1',
      port: h.hospital.ports.dicom,
      calledAet: 'HOSPITAL',
    });
    noPatientOrthancId = await h.orthancStudyId(noPatientId.studyInstanceUid);
    await h.startBridge();
  }, 240_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should register a stable original with the first series, facility and Orthanc time when it arrived by REST', async () => {
    const s = await studyWhen(original.studyInstanceUid, () => true, 'the REST study registered');
    expect(s.modality).toBe('CT');
    expect(s.bodyPart).toBe('HEAD');
    expect(s.studyDate).toBe('2024-01-05');
    const [event] = (await h.ledgerEvents('org.scantrail.study.registered')).filter(
      (e) => e.data.studyInstanceUid === original.studyInstanceUid,
    );
    expect(event).toMatchObject({
      source: SOURCE,
      data: {
        facility: 'General Hospital',
        accessionNumber: 'ACC-100',
        description: 'CT head without contrast',
        patient: { system: 'urn:scantrail:dicom:patient-id' },
      },
    });
    // No Orthanc id (an unkeyed hash of patient data) reaches the ledger.
    expect(JSON.stringify(event)).not.toContain(originalId);
    const changes = await h.orthanc<{
      Changes: { ChangeType: string; ID: string; Date: string }[];
    }>('GET', '/changes?limit=1000');
    const newStudy = changes.Changes.find(
      (c) => c.ChangeType === 'NewStudy' && c.ID === originalId,
    );
    const d = newStudy?.Date ?? '';
    expect(event?.time).toBe(
      `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}.000Z`,
    );
  });

  it('should register a study received by DICOM C-STORE with its Issuer of Patient ID as system and UNKNOWN body part', async () => {
    const s = await studyWhen(cStored.studyInstanceUid, () => true, 'the C-STORE study registered');
    expect(s.modality).toBe('MR');
    expect(s.bodyPart).toBe('UNKNOWN');
    const [event] = (await h.ledgerEvents('org.scantrail.study.registered')).filter(
      (e) => e.data.studyInstanceUid === cStored.studyInstanceUid,
    );
    expect(event?.data).toMatchObject({
      patient: { system: 'urn:oid:2.16.840.1.113883.3.7' },
      facility: HOSPITAL_NAME,
    });
    expect(JSON.stringify(event)).not.toContain('MRN-77');
  });

  it('should hold a study without Patient ID and report it on /health and /metrics', async () => {
    const health = await eventually(
      async () => {
        const body = await h.health();
        return body && body.held.studies === 1 ? body : undefined;
      },
      60_000,
      'the held study',
    );
    expect(health.status).toBe('degraded');
    expect(await h.metrics()).toMatch(/scantrail_bridge_held_studies 1/);
    expect((await study(noPatientId.studyInstanceUid)).study).toBeNull();
  });

  it('should publish study.deidentified with 113100 and Orthanc as tool for a proper and a careless anonymization', async () => {
    const proper = await h.orthanc<{ ID: string }>('POST', `/studies/${originalId}/anonymize`, {});
    // Careless: the copy keeps the patient's MRN.
    const careless = await h.orthanc<{ ID: string }>('POST', `/studies/${originalId}/anonymize`, {
      Replace: { PatientID: original.patientId },
      Force: true,
    });
    const uidOf = async (id: string): Promise<string> =>
      (await h.orthanc<{ MainDicomTags: { StudyInstanceUID: string } }>('GET', `/studies/${id}`))
        .MainDicomTags.StudyInstanceUID;
    properUid = await uidOf(proper.ID);
    carelessUid = await uidOf(careless.ID);
    for (const uid of [properUid, carelessUid]) {
      const s = await studyWhen(
        uid,
        (x) => x.derivedFrom !== null,
        'the copy recorded as a derivative',
      );
      expect(s.derivedFrom?.studyInstanceUid).toBe(original.studyInstanceUid);
      expect(s.methodCodes).toContain('113100');
    }
    const events = await h.ledgerEvents('org.scantrail.study.deidentified');
    expect(events).toHaveLength(2);
    const version = (await h.orthanc<{ Version: string }>('GET', '/system')).Version;
    for (const e of events) expect(e.data.tool).toEqual({ name: 'Orthanc', version });
  });

  it('should record one disclosure per study sent to a mapped peer, at the job completion time', async () => {
    const job = await h.orthanc<{ ID: string }>('POST', `/peers/${VENDOR_PEER}/store`, {
      Resources: [await h.orthancStudyId(properUid), await h.orthancStudyId(carelessUid)],
      Asynchronous: true,
    });
    const done = await eventually(
      async () => {
        const j = await h.orthanc<{ State: string; CompletionTime: string }>(
          'GET',
          `/jobs/${job.ID}`,
        );
        return j.State === 'Success' ? j : undefined;
      },
      60_000,
      'the peer store job',
    );
    for (const uid of [properUid, carelessUid]) {
      const s = await studyWhen(uid, (x) => x.disclosures.length > 0, 'the send recorded');
      expect(s.disclosures).toHaveLength(1);
      expect(s.disclosures[0]).toMatchObject({
        purpose: 'AI_TRAINING',
        legalBasis: 'DEIDENTIFIED',
        recipient: { vendorId: 'vnd-acme' },
      });
      const c = done.CompletionTime;
      expect(s.disclosures[0]?.occurredAt.slice(0, 19)).toBe(
        `${c.slice(0, 4)}-${c.slice(4, 6)}-${c.slice(6, 8)}T${c.slice(9, 11)}:${c.slice(11, 13)}:${c.slice(13, 15)}`,
      );
    }
    const trace = await h.query<{
      trace: { edges: { from: string; to: string; kind: string; channel: string | null }[] };
    }>(
      'query($uid: String!) { trace(studyInstanceUid: $uid) { edges { from to kind channel } } }',
      { uid: original.studyInstanceUid },
    );
    // The channel says the edge came from the PACS, and by which destination.
    expect(trace.trace.edges).toEqual(
      expect.arrayContaining([
        { from: original.studyInstanceUid, to: properUid, kind: 'DERIVED', channel: null },
        { from: original.studyInstanceUid, to: carelessUid, kind: 'DERIVED', channel: null },
        {
          from: properUid,
          to: 'vnd-acme',
          kind: 'DISCLOSED',
          channel: `orthanc-peer:${VENDOR_PEER}`,
        },
        {
          from: carelessUid,
          to: 'vnd-acme',
          kind: 'DISCLOSED',
          channel: `orthanc-peer:${VENDOR_PEER}`,
        },
      ]),
    );
  });

  it('should report, never drop silently, a successful send whose completion time is unusable, and record no disclosure with a guessed time', async () => {
    // The journal line the hook writes for a send job, with a time Orthanc never writes.
    const orthancJobId = randomUUID();
    appendFileSync(
      h.journal,
      `${JSON.stringify({
        Kind: 'job',
        ID: orthancJobId,
        Type: 'OrthancPeerStore',
        CompletionTime: 'half past noon-XYZ',
        Content: { Peer: [`${h.vendor.url}/`], ParentResources: [] },
        StudyInstanceUids: [cStored.studyInstanceUid],
      })}\n`,
    );
    await eventually(
      async () =>
        /scantrail_bridge_send_jobs_unrecorded_total\{reason="completion_time"\} 1\b/.test(
          await h.metrics(),
        )
          ? true
          : undefined,
      60_000,
      'the unrecorded send counted',
    );
    const logged = h
      .bridge!.output()
      .split('\n')
      .filter((line) => line.includes(orthancJobId));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('completion time is unusable');
    expect(logged[0]).toContain("CompletionTime is not Orthanc's");
    expect(logged[0]).not.toContain('XYZ');
    expect((await study(cStored.studyInstanceUid)).study?.disclosures).toEqual([]);
    // Kept for the privacy officer, with no time rather than a guessed one.
    const { bridgeState } = await h.query<{
      bridgeState: { unrecordedSends: number; unrecorded: Record<string, unknown>[] };
    }>(
      '{ bridgeState { unrecordedSends unrecorded { jobKey reason jobType destinationKind destination instances completedAt } } }',
    );
    expect(bridgeState.unrecordedSends).toBe(1);
    expect(bridgeState.unrecorded).toEqual([
      {
        jobKey: (JSON.parse(logged[0]) as { jobKey: string }).jobKey,
        reason: 'completion_time',
        jobType: 'OrthancPeerStore',
        destinationKind: 'peer',
        destination: `${h.vendor.url}/`,
        instances: null,
        completedAt: null,
      },
    ]);
  });

  it('should record an inspection of each copy with the original at hand, and PATIENT_IDENTIFIABLE on the careless copy sent to the vendor', async () => {
    interface Inspected {
      study: {
        inspections: {
          tool: string;
          instances: number;
          result: string;
          issues: { code: string; keyword: string | null }[];
        }[];
        findings: { code: string; vendorId: string }[];
      } | null;
    }
    const INSPECTED = `query($uid: String!) { study(studyInstanceUid: $uid) {
      inspections { tool instances result issues { code keyword } }
      findings { code vendorId } } }`;
    const inspected = (uid: string, ready: (s: NonNullable<Inspected['study']>) => boolean) =>
      eventually(
        async () => {
          const s = (await h.query<Inspected>(INSPECTED, { uid })).study;
          return s && ready(s) ? s : undefined;
        },
        90_000,
        'the inspection and its findings',
      );
    const careless = await inspected(
      carelessUid,
      (s) => s.inspections.length > 0 && s.findings.some((f) => f.code === 'PATIENT_IDENTIFIABLE'),
    );
    expect(careless.inspections).toHaveLength(1);
    // Every instance of the copy was read (21 of the head CT).
    expect(careless.inspections[0]).toMatchObject({ instances: 21, result: 'FAIL' });
    expect(careless.inspections[0]?.tool).toMatch(/^scantrail-bridge /);
    expect(careless.inspections[0]?.issues).toContainEqual(
      expect.objectContaining({ code: 'ORIGINAL_VALUE_RETAINED', keyword: 'PatientID' }),
    );
    expect(careless.findings).toContainEqual({
      code: 'PATIENT_IDENTIFIABLE',
      vendorId: 'vnd-acme',
    });

    const proper = await inspected(properUid, (s) => s.inspections.length > 0);
    expect(proper.inspections).toHaveLength(1);
    expect(proper.inspections[0]?.instances).toBe(21);
    const properIssues = proper.inspections[0]?.issues.map((i) => i.code) ?? [];
    expect(properIssues).not.toContain('ORIGINAL_VALUE_RETAINED');
    expect(proper.findings.map((f) => f.code)).not.toContain('PATIENT_IDENTIFIABLE');
  });

  it('should list the destinations mapped to a vendor: all for an officer, only its own for a vendor', async () => {
    const DESTINATIONS = `query($vendorId: String) { bridgeDestinations(vendorId: $vendorId) {
      name vendorId purpose legalBasis agreementId orthancKind source } }`;
    const acme = h.token(['vendor'], 'vnd-acme');
    const expected = {
      name: VENDOR_PEER,
      vendorId: 'vnd-acme',
      purpose: 'AI_TRAINING',
      legalBasis: 'DEIDENTIFIED',
      agreementId: 'agr-acme-1',
      orthancKind: 'peer',
      source: SOURCE,
    };
    const officer = await h.query<{ bridgeDestinations: unknown[] }>(DESTINATIONS, {
      vendorId: 'vnd-acme',
    });
    expect(officer.bridgeDestinations).toEqual([expected]);
    const own = await h.client.data<{ bridgeDestinations: unknown[] }>(acme, DESTINATIONS);
    expect(own.bridgeDestinations).toEqual([expected]);
    const other = await h.client.send<{ bridgeDestinations: unknown[] }>(acme, DESTINATIONS, {
      vendorId: 'vnd-lab',
    });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.data?.bridgeDestinations ?? null).toBeNull();
  });

  it('should hold a send to an unmapped modality, then record it once after the mapping is added', async () => {
    const cStoredId = await h.orthancStudyId(cStored.studyInstanceUid);
    await h.orthanc('POST', `/modalities/${UNMAPPED_MODALITY}/store`, {
      Resources: [cStoredId],
      Synchronous: true,
    });
    await eventually(
      async () => ((await h.health())?.held.sends === 1 ? true : undefined),
      60_000,
      'the held send',
    );
    expect((await study(cStored.studyInstanceUid)).study?.disclosures).toEqual([]);
    expect(await h.metrics()).toMatch(/scantrail_bridge_held_sends 1/);
    // What a privacy officer or an auditor acts on; a vendor is not told.
    const STATE = `{ bridgeState { heldSends heldStudies
      held { kind reason studyInstanceUid destination destinationKind source } } }`;
    for (const roles of [['privacy_officer'], ['auditor']] as const) {
      const state = await h.client.data<{
        bridgeState: { heldSends: number; heldStudies: number; held: unknown[] };
      }>(h.token([...roles]), STATE);
      // The study without Patient ID (held above) is still held too.
      expect(state.bridgeState).toMatchObject({ heldSends: 1, heldStudies: 1 });
      expect(state.bridgeState.held).toHaveLength(2);
      expect(state.bridgeState.held).toContainEqual({
        kind: 'SEND',
        reason: `destination "${UNMAPPED_MODALITY}" is not in BRIDGE_DESTINATIONS`,
        studyInstanceUid: cStored.studyInstanceUid,
        destination: UNMAPPED_MODALITY,
        destinationKind: 'modality',
        source: SOURCE,
      });
      expect(state.bridgeState.held).toContainEqual(
        expect.objectContaining({
          kind: 'STUDY',
          studyInstanceUid: noPatientId.studyInstanceUid,
          destination: null,
        }),
      );
    }
    const asVendor = await h.client.send(h.token(['vendor'], 'vnd-acme'), STATE);
    expect(asVendor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asVendor.text).not.toContain(cStored.studyInstanceUid);

    h.writeDestinations({
      ...MAPPED,
      [UNMAPPED_MODALITY]: { vendorId: 'vnd-lab', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
    });
    const s = await studyWhen(
      cStored.studyInstanceUid,
      (x) => x.disclosures.length > 0,
      'the released send',
    );
    expect(s.disclosures).toHaveLength(1);
    expect(s.disclosures[0]).toMatchObject({
      recipient: { vendorId: 'vnd-lab' },
      purpose: 'RESEARCH',
    });
    await eventually(
      async () => ((await h.health())?.held.sends === 0 ? true : undefined),
      30_000,
      'no held send left',
    );
  });

  it('should release a held study when it is deleted from Orthanc, and report ok', async () => {
    await h.orthanc('DELETE', `/studies/${noPatientOrthancId}`);
    const health = await eventually(
      async () => {
        const body = await h.health();
        return body?.status === 'ok' ? body : undefined;
      },
      60_000,
      'health ok',
    );
    expect(health.held).toEqual({ sends: 0, studies: 0 });
    expect(health.jobHook).toBe('active');
  });

  it('should record every fact once after a restart of the bridge replays from its place', async () => {
    await h.bridge?.kill9();
    await h.startBridge();
    await eventually(
      async () => ((await h.health())?.status === 'ok' ? true : undefined),
      60_000,
      'health',
    );
    const counts = await h.db.dataSource.query<{ type: string; n: number }[]>(
      'SELECT type, count(*)::int AS n FROM ledger_entries GROUP BY type ORDER BY type',
    );
    expect(Object.fromEntries(counts.map((c) => [c.type, c.n]))).toMatchObject({
      'org.scantrail.study.registered': 2,
      'org.scantrail.study.deidentified': 2,
      'org.scantrail.deidentification.inspected': 2,
      'org.scantrail.disclosure.recorded': 3,
    });
  });
});
