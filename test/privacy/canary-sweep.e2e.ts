// A privacy officer's canary sweep of the promise "no patient identifier is stored or logged
// in clear" (docs/architecture.md, "patient identifiers leak"), end to end against the real
// parts: Kafka, PostgreSQL, a hospital Orthanc with a vendor Orthanc as its peer, ingest, API,
// bridge and CLI. Unique canaries (MRNs, a patient's name, a birth date, accession numbers)
// go in through every path a hospital uses: events of every type that names a patient (valid,
// quarantined, refused by the database, re-used ids with other content), a study in Orthanc
// sent to the vendor (the original and a careless copy keeping the Patient ID, a study held
// for its missing date, a send held for its unmapped destination), GraphQL lookups naming the
// patient (valid, unknown, invalid), report downloads, and the CLI commands that take or print
// patients. Then every place the product writes is searched for them, as is, in other case,
// as DICOM writes a name, in base64 and hex of their bytes and JSON-escaped: every text,
// json, bytea and array column of every table and view, PostgreSQL's own server log, every
// process's output (ingest, API, bridge, CLI), /health and /metrics of the three servers,
// GraphQL and HTTP error answers, and what the bridge publishes to Kafka.
//
// Excluded, each a documented design, no more than it:
// - quarantined_messages.raw_key and raw_value: a refused message's bytes as received, kept so
//   that nothing is lost (CONTRACT 1), served redacted to roles without clear identifiers;
// - accession numbers in the database: stored as sent, like every id that is not a patient
//   identifier value (docs/events.md, "Patient pseudonyms"; the breach worklist lists them),
//   but never in a log, a metric or an error;
// - the bridge's events on Kafka carry the Patient ID in `patient.value` and
//   `patientIdentifiersFound[].value` (CONTRACT 6: the ingest pseudonymizes them) and the
//   accession number in `accessionNumber`; nothing else of the patient;
// - Orthanc's own storage, and the letters' files a privacy officer asked for;
// - an unknown route's 404 names its path back to its client (test/report/report.e2e.ts):
//   the MRN goes in the query of that request only, which is never echoed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@scantrail/config';
import { embeddedServerLogPath } from '@scantrail/local-postgres';
import { dicomFilesOf, newUid, sendWithStorescu } from '@scantrail/orthanc-local';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { BridgeHarness, UNMAPPED_MODALITY, VENDOR_PEER } from '../bridge/bridge-harness';
import { CapturedLog } from '../support/captured-log';
import { cli } from '../support/cli-process';
import { e2eServices, eventually } from '../support/test-env';

const SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';
const SOURCE = 'urn:hospital:canary-sweep';
const VENDOR = 'vnd-canary-acme';

const mark = randomBytes(4).toString('hex').toUpperCase();
// The path's letter before the random part, so that every spelling tells the canaries apart.
const mrn = (path: string): string => `MRN-CANARY-${path}-${mark}`;

/** The canaries, each with the path that carries it. */
const MRN_WORLD = mrn('K'); // valid events of every type naming a patient
const MRN_QUARANTINED = mrn('Q'); // malformed events
const MRN_REFUSED = mrn('D'); // an event the database refuses
const MRN_CONFLICT = mrn('C'); // a re-used event id with other content
const MRN_LOOKUP = mrn('G'); // GraphQL lookups of a patient unknown, or asked wrongly
const MRN_REPORT = mrn('R'); // report downloads asked wrongly
const MRN_CLI = mrn('L'); // CLI commands given a patient
const MRN_BRIDGE = mrn('B'); // DICOM Patient ID in Orthanc
const FAMILY = `Kanárek${mark}`; // DICOM Patient Name in Orthanc (UTF-8, ISO_IR 192)
const GIVEN = 'Zofia';
const BIRTH_DATE = '19230817'; // DICOM Patient's Birth Date in Orthanc
const ACC_WORLD = `ACC-CANARY-K-${mark}`;
const ACC_REFUSED = `ACC-CANARY-D-${mark}`;
const ACC_BRIDGE = `ACC-CANARY-B-${mark}`;
const REFUSE_MARKER = `refuse-me-${mark}`;

interface Canary {
  value: string;
  path: string;
  /** Allowed in database columns (accession numbers: stored as sent). */
  storedByDesign?: boolean;
}

const CANARIES: Canary[] = [
  { value: MRN_WORLD, path: 'valid events' },
  { value: MRN_QUARANTINED, path: 'quarantined events' },
  { value: MRN_REFUSED, path: 'an event the database refuses' },
  { value: MRN_CONFLICT, path: 're-used event id' },
  { value: mrn('O'), path: 're-used event id (the other content)' },
  { value: MRN_LOOKUP, path: 'GraphQL lookups' },
  { value: MRN_REPORT, path: 'report downloads' },
  { value: MRN_CLI, path: 'CLI' },
  { value: MRN_BRIDGE, path: 'Orthanc Patient ID' },
  { value: FAMILY, path: 'Orthanc Patient Name' },
  { value: `${FAMILY}^${GIVEN}`, path: 'Orthanc Patient Name (DICOM)' },
  { value: BIRTH_DATE, path: 'Orthanc Birth Date' },
  { value: '1923-08-17', path: 'Orthanc Birth Date (ISO)' },
  { value: ACC_WORLD, path: 'valid events (accession)', storedByDesign: true },
  { value: ACC_REFUSED, path: 'refused event (accession)', storedByDesign: true },
  { value: ACC_BRIDGE, path: 'Orthanc Accession Number', storedByDesign: true },
];

/** Every spelling a reader could find a canary in. */
function spellings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([
    value,
    value.toLowerCase(),
    value.toUpperCase(),
    value.normalize('NFD'),
    JSON.stringify(value).slice(1, -1),
    JSON.stringify(value)
      .slice(1, -1)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
  ]);
  // base64 at each of the three alignments it can have inside a longer text: the characters
  // made of the canary's bits alone.
  for (let pad = 0; pad < 3; pad += 1) {
    const b64 = Buffer.concat([Buffer.alloc(pad, 0x20), bytes]).toString('base64');
    const from = Math.ceil((8 * pad) / 6);
    const to = Math.floor((8 * (pad + bytes.length)) / 6);
    forms.add(b64.slice(from, to));
    forms.add(b64.slice(from, to).replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= 8);
}

interface Hit {
  where: string;
  canary: string;
  path: string;
  context: string;
}

function hitsIn(where: string, text: string, canaries: Canary[]): Hit[] {
  const hits: Hit[] = [];
  for (const canary of canaries) {
    for (const form of spellings(canary.value)) {
      for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + form.length)) {
        hits.push({
          where,
          canary: canary.value,
          path: canary.path,
          context: text.slice(Math.max(0, at - 100), at + form.length + 40),
        });
      }
    }
  }
  return hits;
}

/** One line per hit, for the failure message. */
const report = (hits: Hit[]): string[] =>
  hits.map((h) => `${h.where} <- ${h.path}: ...${h.context.replace(/\s+/g, ' ')}...`);

interface Sent {
  key?: string;
  value: Buffer;
}

const event = (
  type: string,
  data: Record<string, unknown>,
  attributes: Record<string, unknown> = {},
): Record<string, unknown> => ({
  specversion: '1.0',
  id: `evt-${randomBytes(6).toString('hex')}`,
  source: SOURCE,
  type,
  time: '2025-03-01T10:00:00Z',
  data,
  ...attributes,
});
const bytesOf = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('canary sweep: no patient identifier stored or logged in clear (real Kafka, PostgreSQL, Orthanc)', () => {
  const ingestLog = new CapturedLog();
  const apiLog = new CapturedLog();
  const h = new BridgeHarness({
    stableAgeS: 1,
    ingestLogger: createLogger('scantrail-ingest', 'debug', ingestLog),
    apiLogger: createLogger('scantrail-api', 'debug', apiLog),
    settings: { ingestPort: 0 },
  });
  const serverLog = embeddedServerLogPath(join(e2eServices().dir, 'pg'));
  let serverLogStart = 0;
  /** Each CLI run's output, named by its command. */
  const cliOutputs: [string, string][] = [];
  /** Every HTTP answer that is an error (GraphQL errors, 4xx and 5xx bodies). */
  const errorAnswers: [string, string][] = [];
  /** Whole answers to roles without clear identifiers (auditor, vendor). */
  const otherRoleAnswers: [string, string][] = [];
  /** /health and /metrics of the three servers. */
  const serverPages: [string, string][] = [];
  /** What the bridge published to Kafka. */
  const bridgeMessages: string[] = [];
  let uidWorld = '';
  let uidWorldCopy = '';
  const requestId = `del-canary-${mark.toLowerCase()}`;
  const breachId = `brc-canary-${mark.toLowerCase()}`;

  async function produce(messages: Sent[]): Promise<void> {
    const producer = new Kafka({
      clientId: 'canary-sweep',
      brokers: e2eServices().brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({ topic: h.topic, acks: -1, messages });
    await producer.disconnect();
  }

  async function graphql(
    label: string,
    token: string,
    query: string,
    variables: Record<string, unknown>,
    whole = false,
  ): Promise<void> {
    const answer = await h.client.send(token, query, variables);
    if (answer.errors?.length || answer.status >= 400) errorAnswers.push([label, answer.text]);
    if (whole) otherRoleAnswers.push([label, answer.text]);
  }

  async function post(label: string, path: string, body: string): Promise<void> {
    const response = await fetch(h.api.url.replace(/\/graphql$/, path), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.token(['privacy_officer'])}`,
        'content-type': 'application/json',
      },
      body,
    });
    const text = await response.text();
    if (response.status >= 400) errorAnswers.push([`${label} (HTTP ${response.status})`, text]);
  }

  beforeAll(async () => {
    try {
      serverLogStart = readFileSync(serverLog).length;
    } catch {
      serverLogStart = 0;
    }
    await h.start({
      [VENDOR_PEER]: {
        vendorId: VENDOR,
        purpose: 'AI_TRAINING',
        legalBasis: 'DEIDENTIFIED',
        agreementId: 'agr-canary',
      },
    });
    // A refusal validation cannot foresee (as test/ingest/database-refusal.e2e.ts makes it).
    const owner = new Client({ connectionString: h.db.ownerUrl });
    await owner.connect();
    await owner.query(
      `ALTER TABLE ledger_entries ADD CONSTRAINT canary_refuse CHECK (leaf_data NOT LIKE '%${REFUSE_MARKER}%')`,
    );
    await owner.end();

    // The bridge's paths: an original naming the patient in full, sent to the vendor; a
    // careless copy keeping the Patient ID, sent too; a study held for its missing Patient ID
    // (its name and birth date there); a send held for its unmapped destination.
    const dicom = (uid: string, patientId: string, n = 1): Record<string, string>[] =>
      Array.from({ length: n }, (_, i) => ({
        SpecificCharacterSet: 'ISO_IR 192',
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        SOPInstanceUID: `${uid}.1.${i + 1}`,
        StudyInstanceUID: uid,
        SeriesInstanceUID: `${uid}.1`,
        SeriesNumber: '1',
        InstanceNumber: String(i + 1),
        Modality: 'CT',
        BodyPartExamined: 'CHEST',
        PatientID: patientId,
        PatientName: `${FAMILY}^${GIVEN}`,
        PatientBirthDate: BIRTH_DATE,
        PatientSex: 'F',
        AccessionNumber: ACC_BRIDGE,
        InstitutionName: 'St Elsewhere',
        StudyDescription: 'CT CHEST',
        StudyDate: '20250301',
      }));
    const upload = async (tags: Record<string, string>[]): Promise<string> => {
      let id = '';
      for (const t of tags) {
        id = (
          await h.orthanc<{ ParentStudy: string }>('POST', '/tools/create-dicom', {
            Tags: t,
            Force: true,
          })
        ).ParentStudy;
      }
      return id;
    };
    const uidBridge = newUid();
    const bridgeStudy = await upload(dicom(uidBridge, MRN_BRIDGE, 2));
    // Orthanc's REST upload would make up a Patient ID: this one comes by C-STORE.
    const heldUid = newUid();
    await sendWithStorescu(
      await dicomFilesOf(
        {
          studyInstanceUid: heldUid,
          patientName: `${FAMILY}^${GIVEN}`,
          accessionNumber: ACC_BRIDGE,
          studyDate: '20250302',
          series: [{ seriesInstanceUid: newUid(), modality: 'CT', instances: 1 }],
        },
        join(h.dir, 'held'),
      ),
      { host: '127.0.0.1', port: h.hospital.ports.dicom, calledAet: 'HOSPITAL' },
    );
    const careless = await h.orthanc<{ ID: string }>('POST', `/studies/${bridgeStudy}/anonymize`, {
      Replace: { PatientID: MRN_BRIDGE },
      Force: true,
    });
    await h.orthanc('POST', `/peers/${VENDOR_PEER}/store`, {
      Resources: [bridgeStudy, careless.ID],
      Synchronous: true,
    });
    await h.orthanc('POST', `/modalities/${UNMAPPED_MODALITY}/store`, {
      Resources: [bridgeStudy],
      Synchronous: true,
    });
    expect(await h.orthancStudyId(heldUid)).not.toBe('');
    await h.startBridge();

    // The hospital's producer: every type that names a patient, valid.
    uidWorld = newUid();
    uidWorldCopy = newUid();
    const patient = { system: SYSTEM, value: MRN_WORLD };
    const world: Sent[] = [
      event('org.scantrail.vendor.registered', {
        vendorId: VENDOR,
        name: 'Acme AI',
        role: 'AI_DEVELOPER',
      }),
      event('org.scantrail.agreement.signed', {
        agreementId: 'agr-canary',
        vendorId: VENDOR,
        kind: 'DUA',
        permittedPurposes: ['AI_TRAINING', 'RESEARCH'],
        effectiveFrom: '2024-01-01',
        allowsOnwardTransfer: false,
      }),
      event('org.scantrail.study.registered', {
        studyInstanceUid: uidWorld,
        patient,
        accessionNumber: ACC_WORLD,
        modality: 'CT',
        bodyPart: 'CHEST',
        studyDate: '2025-02-28',
        facility: 'Northfield General',
        description: `CT chest of ${MRN_WORLD}`,
      }),
      event('org.scantrail.study.deidentified', {
        sourceStudyInstanceUid: uidWorld,
        derivedStudyInstanceUid: uidWorldCopy,
        methodCodes: ['113100'],
        tool: { name: 'deid', version: '1' },
      }),
      // An id and a subject that are the MRN (a producer keying by it).
      event(
        'org.scantrail.consent.recorded',
        {
          consentId: `cns-canary-${mark.toLowerCase()}`,
          patient,
          decision: 'PERMIT',
          purposes: ['RESEARCH'],
          validFrom: '2024-01-01',
          documentRef: `consent form of ${MRN_WORLD.toLowerCase()}`,
        },
        { id: MRN_WORLD, subject: MRN_WORLD },
      ),
      event('org.scantrail.disclosure.recorded', {
        disclosureId: `dsc-canary-${mark.toLowerCase()}`,
        recipientVendorId: VENDOR,
        target: { studyInstanceUid: uidWorld },
        purpose: 'RESEARCH',
        legalBasis: 'PATIENT_AUTHORIZATION',
      }),
      event('org.scantrail.disclosure.recorded', {
        disclosureId: `dsc-canary-copy-${mark.toLowerCase()}`,
        recipientVendorId: VENDOR,
        target: { studyInstanceUid: uidWorldCopy },
        purpose: 'AI_TRAINING',
        legalBasis: 'DEIDENTIFIED',
        agreementId: 'agr-canary',
      }),
      event('org.scantrail.deidentification.inspected', {
        inspectionId: `insp-canary-${mark.toLowerCase()}`,
        studyInstanceUid: uidWorldCopy,
        tool: { name: 'inspector', version: '1' },
        instances: 3,
        result: 'FAIL',
        issues: [{ code: 'IDENTIFYING_ATTRIBUTE_PRESENT', instances: 3, tag: '0010,0020' }],
        patientIdentifiersFound: [{ system: SYSTEM, value: MRN_WORLD }, { value: MRN_WORLD }],
      }),
      // An id and a subject that hold the MRN (an integration engine building them from it).
      event(
        'org.scantrail.deletion.requested',
        {
          requestId,
          patient,
          dueBy: '2025-06-30',
          legalGround: `request of ${MRN_WORLD}`,
          channel: `letter re ${MRN_WORLD.toUpperCase()}`,
        },
        { id: `deletion-${MRN_WORLD.toLowerCase()}-1`, subject: `Patient/${MRN_WORLD}` },
      ),
      event('org.scantrail.breach.reported', {
        breachId,
        vendorId: VENDOR,
        discoveredAt: '2025-04-01',
        exposureFrom: '2025-01-01',
        affectedTargets: [{ studyInstanceUid: uidWorld }, { studyInstanceUid: uidWorldCopy }],
        description: 'stolen laptop',
      }),
    ].map((e) => ({ key: MRN_WORLD, value: bytesOf(e) }));

    // Malformed: each is quarantined (raw bytes kept by design, nothing else of them).
    const registered = (value: string, extra: Record<string, unknown> = {}) => ({
      studyInstanceUid: newUid(),
      patient: { system: SYSTEM, value },
      modality: 'CT',
      bodyPart: 'CHEST',
      studyDate: '2025-02-28',
      facility: 'Northfield General',
      ...extra,
    });
    const STUDY = 'org.scantrail.study.registered';
    const quarantined: Sent[] = [
      { key: MRN_QUARANTINED, value: Buffer.from(`{"patient":{"value":"${MRN_QUARANTINED}"`) },
      {
        key: MRN_QUARANTINED,
        value: bytesOf(event(STUDY, registered(MRN_QUARANTINED, { modality: 'ct chest' }))),
      },
      { value: bytesOf(event('org.scantrail.patient.merged', registered(MRN_QUARANTINED))) },
      { value: bytesOf(event(`${STUDY}.${MRN_QUARANTINED}`, registered(MRN_QUARANTINED))) },
      { value: bytesOf(event(STUDY, registered(MRN_QUARANTINED), { time: MRN_QUARANTINED })) },
      {
        value: bytesOf(
          event(STUDY, { ...registered(MRN_QUARANTINED), [MRN_QUARANTINED]: 'unknown member' }),
        ),
      },
      {
        value: bytesOf(
          event(
            STUDY,
            registered(MRN_QUARANTINED, { patient: { system: 7, value: MRN_QUARANTINED } }),
          ),
        ),
      },
      {
        value: Buffer.from(
          `{"specversion":"1.0","id":"x","source":"s","type":"${STUDY}","time":"2025-03-01T10:00:00Z","data":{"patient":{"value":"${MRN_QUARANTINED}","value":"${MRN_QUARANTINED}"}}}`,
        ),
      },
      {
        value: bytesOf(
          event(STUDY, registered(MRN_QUARANTINED, { description: 'x'.repeat(70_000) })),
        ),
      },
      {
        value: bytesOf(
          event('org.scantrail.deletion.requested', {
            requestId: 'del-bad',
            patient: { system: SYSTEM, value: MRN_QUARANTINED },
            dueBy: 'soon',
          }),
        ),
      },
    ];

    // Refused by the database after validation (rejected_by_database).
    const refused: Sent[] = [
      {
        key: MRN_REFUSED,
        value: bytesOf(
          event(
            STUDY,
            registered(MRN_REFUSED, {
              accessionNumber: ACC_REFUSED,
              description: `${REFUSE_MARKER} ${MRN_REFUSED}`,
            }),
          ),
        ),
      },
    ];

    // A recorded event, then its id re-used with other content (twice: the MRN as id too).
    const conflictId = `evt-conflict-${mark.toLowerCase()}`;
    const conflicted = registered(MRN_CONFLICT);
    const conflicts: Sent[] = [
      { value: bytesOf(event(STUDY, conflicted, { id: conflictId })) },
      {
        value: bytesOf(
          event(
            STUDY,
            { ...conflicted, patient: { system: SYSTEM, value: mrn('O') } },
            {
              id: conflictId,
            },
          ),
        ),
      },
      {
        key: MRN_WORLD,
        value: bytesOf(event(STUDY, registered(MRN_WORLD), { id: MRN_WORLD, subject: MRN_WORLD })),
      },
    ];
    await produce([...world, ...quarantined, ...refused]);
    await produce(conflicts);

    // The ingest has read all of it: the breach report recorded, every refusal quarantined,
    // both conflicts kept.
    await eventually(
      async () => {
        const [q] = await h.db.dataSource.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM quarantined_messages',
        );
        const [c] = await h.db.dataSource.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM ingest_duplicate_conflicts',
        );
        const [b] = await h.db.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM ledger_entries WHERE type = 'org.scantrail.breach.reported'`,
        );
        return q.n >= quarantined.length + refused.length && c.n >= 2 && b.n === 1
          ? true
          : undefined;
      },
      60_000,
      'the events read',
    );
    // The bridge has published the original, the copy, its inspection and the send, and
    // holds the dateless study and the unmapped send.
    await eventually(
      async () => {
        const health = await h.health();
        const [n] = await h.db.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM ledger_entries WHERE type IN
            ('org.scantrail.deidentification.inspected', 'org.scantrail.disclosure.recorded')
            AND source LIKE 'urn:scantrail:orthanc:%'`,
        );
        return health?.held.studies === 1 && health.held.sends === 1 && n.n >= 3 ? true : undefined;
      },
      60_000,
      'the bridge settled',
    ).catch(async (error: Error) => {
      const types = await h.db.dataSource.query<unknown[]>(
        'SELECT source, type, count(*)::int AS n FROM ledger_entries GROUP BY 1, 2 ORDER BY 1, 2',
      );
      throw new Error(
        `${error.message}; health ${JSON.stringify(await h.health())}; ledger ${JSON.stringify(types)}; bridge said ${h.bridge?.output().slice(-2000)}`,
      );
    });

    // GraphQL lookups naming the patient.
    const officer = h.token(['privacy_officer']);
    const auditor = h.token(['auditor']);
    const vendor = h.token(['vendor'], VENDOR);
    const ACCOUNTING = `query ($p: PatientIdentifierInput!) { accountingOfDisclosures(patient: $p) {
      entries { disclosureId studyInstanceUid description recipientName exempt } } }`;
    for (const [label, token, value, whole] of [
      ['accounting, officer', officer, MRN_WORLD, false],
      ['accounting of the bridge patient, officer', officer, MRN_BRIDGE, false],
      ['accounting, auditor', auditor, MRN_WORLD, true],
      ['accounting, vendor', vendor, MRN_WORLD, true],
      ['accounting of an unknown patient', officer, MRN_LOOKUP, false],
    ] as const) {
      await graphql(label, token, ACCOUNTING, { p: { system: SYSTEM, value } }, whole);
    }
    await graphql('accounting, bridge patient by the bridge system', officer, ACCOUNTING, {
      p: { system: 'urn:scantrail:dicom:patient-id', value: MRN_BRIDGE },
    });
    await graphql('accounting with an unknown input field', officer, ACCOUNTING, {
      p: { system: SYSTEM, value: MRN_LOOKUP, issuer: 'x' },
    });
    await graphql('accounting with a value of the wrong type', officer, ACCOUNTING, {
      p: { system: SYSTEM, value: [MRN_LOOKUP] },
    });
    await graphql('accounting with a system of the wrong type', officer, ACCOUNTING, {
      p: { system: 7, value: MRN_LOOKUP },
    });
    await graphql(
      'accounting with the patient inline and a bad date',
      officer,
      `{ accountingOfDisclosures(patient: { system: "${SYSTEM}", value: "${MRN_LOOKUP}" }, from: "not a date") { from } }`,
      {},
    );
    await graphql(
      'accounting with the patient inline and an unknown field',
      officer,
      `{ accountingOfDisclosures(patient: { system: "${SYSTEM}", value: "${MRN_LOOKUP}", mrn: "${MRN_LOOKUP}" }) { from } }`,
      {},
    );
    await graphql(
      'accounting with a bad period',
      officer,
      `
        query ($p: PatientIdentifierInput!) {
          accountingOfDisclosures(
            patient: $p
            from: "2030-01-01T00:00:00Z"
            to: "2020-01-01T00:00:00Z"
          ) {
            from
          }
        }
      `,
      { p: { system: SYSTEM, value: MRN_LOOKUP } },
    );
    await graphql('accounting with an empty system', officer, ACCOUNTING, {
      p: { system: '', value: MRN_LOOKUP },
    });
    await graphql('accounting with a long value', officer, ACCOUNTING, {
      p: { system: SYSTEM, value: `${MRN_LOOKUP}${'9'.repeat(5000)}` },
    });
    // The patient's MRN given where an id is asked (a pasted value in the wrong box).
    await graphql(
      'ids that are an MRN, officer',
      officer,
      `
        query ($v: String!) {
          study(studyInstanceUid: $v) {
            studyInstanceUid
          }
          vendor(vendorId: $v) {
            vendorId
          }
          deletionRequest(requestId: $v) {
            requestId
          }
          breachImpact(breachId: $v) {
            breachId
          }
          findings(studyInstanceUid: $v) {
            totalCount
          }
        }
      `,
      { v: MRN_LOOKUP },
    );
    await graphql(
      'trace of an MRN, auditor',
      auditor,
      'query ($v: String!) { trace(studyInstanceUid: $v) { nodes { id } } }',
      { v: MRN_LOOKUP },
      true,
    );
    await graphql(
      'vendor naming an MRN, vendor',
      vendor,
      'query ($v: String!) { vendor(vendorId: $v) { vendorId } findings(vendorId: $v) { totalCount } }',
      { v: MRN_LOOKUP },
      true,
    );
    const REST = `{ deletionRequest(requestId: "${requestId}") { patientPseudonym legalGround obligations { studyInstanceUid } }
      breachImpact(breachId: "${breachId}") { patientsAffected affected { edges { node { studyInstanceUid patientPseudonym } } } }
      study(studyInstanceUid: "${uidWorld}") { studyInstanceUid inspections { issues { code } } derivatives { studyInstanceUid } }
      quarantine(first: 50) { edges { node { reason rawBase64 } } }
      duplicateConflicts(first: 50) { edges { node { source eventId eventType eventTime } } } }`;
    await graphql('deletion, breach, study, quarantine, auditor', auditor, REST, {}, true);
    await graphql('deletion, breach, study, officer', officer, REST, {});
    await graphql(
      'deletion request, breach, vendor',
      vendor,
      `
        {
          deletionRequests(first: 10) {
            edges {
              node {
                patientPseudonym
                legalGround
              }
            }
          }
          breaches(first: 10) {
            edges {
              node {
                affected {
                  edges {
                    node {
                      patientPseudonym
                    }
                  }
                }
              }
            }
          }
        }
      `,
      {},
      true,
    );
    await graphql(
      'ledger entries, auditor',
      auditor,
      `
        {
          a: ledgerEntry(sequence: 0) {
            leafData
          }
          b: ledgerEntry(sequence: 2) {
            leafData
          }
          c: ledgerEntry(sequence: 4) {
            leafData
          }
          d: ledgerEntry(sequence: 8) {
            leafData
          }
        }
      `,
      {},
      true,
    );
    await graphql(
      'access log',
      officer,
      '{ accessLog(first: 100) { edges { node { operation patientPseudonym } } } }',
      {},
    );

    // Report downloads: valid (the letter itself is the officer's), and asked wrongly.
    const valid = (format: string) =>
      JSON.stringify({ patient: { system: SYSTEM, value: MRN_WORLD }, format });
    for (const format of ['pdf', 'csv', 'fhir']) {
      await post(`accounting letter ${format}`, '/reports/accounting', valid(format));
    }
    await post(
      'accounting letter of an unknown patient',
      '/reports/accounting',
      JSON.stringify({ patient: { system: SYSTEM, value: MRN_REPORT }, format: 'csv' }),
    );
    await post(
      'accounting letter in an unknown format',
      '/reports/accounting',
      JSON.stringify({ patient: { system: SYSTEM, value: MRN_REPORT }, format: 'docx' }),
    );
    await post(
      'accounting letter with an unknown member',
      '/reports/accounting',
      JSON.stringify({ patient: { system: SYSTEM, value: MRN_REPORT, mrn: MRN_REPORT } }),
    );
    await post(
      'accounting letter with a bad date',
      '/reports/accounting',
      JSON.stringify({ patient: { system: SYSTEM, value: MRN_REPORT }, from: MRN_REPORT }),
    );
    await post(
      'accounting letter with a body that is not JSON',
      '/reports/accounting',
      `{"patient":{"system":"${SYSTEM}","value":"${MRN_REPORT}"`,
    );
    await post(
      'accounting letter with a value that is not text',
      '/reports/accounting',
      JSON.stringify({ patient: { system: SYSTEM, value: { mrn: MRN_REPORT } } }),
    );
    const get = await fetch(
      h.api.url.replace(/\/graphql$/, `/reports/accounting?system=s&value=${MRN_REPORT}`),
      { headers: { authorization: `Bearer ${officer}` } },
    );
    errorAnswers.push([`GET accounting letter (HTTP ${get.status})`, await get.text()]);
    const unknownRoute = await fetch(
      // The query only: an unknown route's 404 names its path (test/report/report.e2e.ts).
      h.api.url.replace(/\/graphql$/, `/patients/lookup?value=${MRN_REPORT}`),
      { headers: { authorization: `Bearer ${officer}` } },
    );
    errorAnswers.push([`unknown route (HTTP ${unknownRoute.status})`, await unknownRoute.text()]);
    await post(
      'deletion letter',
      '/reports/deletion-request',
      JSON.stringify({ requestId, format: 'pdf' }),
    );
    await post('breach worklist', '/reports/breach', JSON.stringify({ breachId, format: 'csv' }));
    await post('open obligations', '/reports/open-obligations', JSON.stringify({}));

    // The CLI, as an operator runs it.
    const dir = mkdtempSync(join(h.dir, 'cli-'));
    const env = {
      DATABASE_URL: h.db.url,
      LEDGER_ORIGIN: h.settings.ledgerOrigin,
      LEDGER_VERIFIER_KEY: h.settings.ledgerVerifierKey,
      PSEUDONYM_KEY: h.settings.pseudonymKey.toString('hex'),
      AUTH_JWT_SECRET: h.settings.authJwtSecret.toString('hex'),
      SCANTRAIL_DATA_DIR: dir,
      NODE_ENV: 'production',
    };
    const runs: [string, string[]][] = [
      [
        'report',
        [
          'report',
          '--patient',
          `${SYSTEM}|${MRN_WORLD}`,
          '--format',
          'csv',
          '--out',
          join(dir, 'a.csv'),
        ],
      ],
      [
        'report of an unknown patient',
        ['report', '--patient', `${SYSTEM}|${MRN_CLI}`, '--out', join(dir, 'b.pdf')],
      ],
      ['report without a system', ['report', '--patient', MRN_CLI, '--out', join(dir, 'c.pdf')]],
      [
        'report with an empty system',
        ['report', '--patient', `|${MRN_CLI}`, '--out', join(dir, 'c.pdf')],
      ],
      [
        'report with a bad date',
        [
          'report',
          '--patient',
          `${SYSTEM}|${MRN_CLI}`,
          '--from',
          MRN_CLI,
          '--out',
          join(dir, 'd.pdf'),
        ],
      ],
      [
        'report in an unknown format',
        [
          'report',
          '--patient',
          `${SYSTEM}|${MRN_CLI}`,
          '--format',
          'docx',
          '--out',
          join(dir, 'e.pdf'),
        ],
      ],
      [
        'report to a folder that does not exist',
        ['report', '--patient', `${SYSTEM}|${MRN_CLI}`, '--out', join(dir, 'none', 'f.pdf')],
      ],
      [
        'deletion letter',
        ['deletion-letter', requestId, '--format', 'csv', '--out', join(dir, 'g.csv')],
      ],
      ['breach worklist', ['breach-worklist', breachId, '--out', join(dir, 'h.csv')]],
      ['breach summary', ['breach-summary', breachId, '--out', join(dir, 'i.pdf')]],
      ['open obligations', ['open-obligations', '--out', join(dir, 'j.csv')]],
      ['verify', ['verify']],
    ];
    for (const [label, args] of runs) {
      const run = await cli(args, env);
      cliOutputs.push([`cli ${label} (exit ${run.code})`, run.out]);
    }
    // inspect: the careless copy against its original, as files.
    const files = mkdtempSync(join(h.dir, 'dicom-'));
    for (const [folder, study] of [
      ['original', bridgeStudy],
      ['copy', careless.ID],
    ] as const) {
      const instances = await h.orthanc<{ ID: string }[]>('GET', `/studies/${study}/instances`);
      mkdirSync(join(files, folder), { recursive: true });
      for (const instance of instances) {
        const file = await fetch(`${h.hospital.url}/instances/${instance.ID}/file`);
        writeFileSync(
          join(files, folder, `${instance.ID}.dcm`),
          Buffer.from(await file.arrayBuffer()),
        );
      }
    }
    for (const json of [[], ['--json']]) {
      const run = await cli(
        ['inspect', join(files, 'copy'), '--original', join(files, 'original'), ...json],
        env,
      );
      cliOutputs.push([`cli inspect ${json.join(' ')} (exit ${run.code})`, run.out]);
    }

    // /health and /metrics of the three servers.
    const apiBase = h.api.url.replace(/\/graphql$/, '');
    const ingestBase = `http://127.0.0.1:${h.ingest?.httpPort}`;
    const bridgeBase = `http://127.0.0.1:${h.bridgePort}`;
    for (const [name, base] of [
      ['api', apiBase],
      ['ingest', ingestBase],
      ['bridge', bridgeBase],
    ]) {
      for (const page of ['/health', '/metrics']) {
        const response = await fetch(`${base}${page}`);
        serverPages.push([`${name} ${page}`, await response.text()]);
      }
    }

    // What the bridge published to the topic.
    const consumer = new Kafka({
      clientId: 'canary-sweep-reader',
      brokers: e2eServices().brokers,
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: `canary-reader-${mark}` });
    await consumer.connect();
    await consumer.subscribe({ topic: h.topic, fromBeginning: true });
    const all: string[] = [];
    await consumer.run({
      eachMessage: ({ message }) => {
        all.push(message.value?.toString('utf8') ?? '');
        return Promise.resolve();
      },
    });
    await eventually(
      () =>
        Promise.resolve(all.some((m) => m.includes('urn:scantrail:orthanc:')) ? true : undefined),
      30_000,
      'the topic read',
    );
    await new Promise((r) => setTimeout(r, 1_000));
    await consumer.disconnect();
    for (const text of all) {
      if (text.includes('"source":"urn:scantrail:orthanc:')) bridgeMessages.push(text);
    }
  }, 300_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it('should find no canary in any text, json, bytea or array column of any table or view but the quarantined raw bytes', async () => {
    const columns = await h.db.dataSource.query<
      { table_name: string; column_name: string; data_type: string }[]
    >(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
        WHERE c.table_schema = 'public'
          AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED', 'xml')
               OR c.data_type LIKE '%char%')
        ORDER BY c.table_name, c.column_name`,
    );
    expect(columns.length).toBeGreaterThan(50);
    const excluded = new Set(['quarantined_messages.raw_key', 'quarantined_messages.raw_value']);
    const superuser = new Client({ connectionString: h.db.superuserUrl });
    await superuser.connect();
    const hits: Hit[] = [];
    const seen: Hit[] = [];
    try {
      for (const c of columns) {
        const name = `${c.table_name}.${c.column_name}`;
        const quoted = `"${c.column_name.replace(/"/g, '""')}"`;
        const expression = c.data_type === 'bytea' ? `encode(${quoted}, 'hex')` : `${quoted}::text`;
        const { rows } = await superuser.query<{ v: string }>(
          `SELECT ${expression} AS v FROM "${c.table_name}" WHERE ${quoted} IS NOT NULL`,
        );
        const text = rows
          .map((r) =>
            c.data_type === 'bytea' ? `${r.v}\n${Buffer.from(r.v, 'hex').toString('utf8')}` : r.v,
          )
          .join('\n');
        const found = hitsIn(
          name,
          text,
          CANARIES.filter((k) => !k.storedByDesign),
        );
        if (excluded.has(name)) seen.push(...found);
        else hits.push(...found);
      }
    } finally {
      await superuser.end();
    }
    // The sweep sees what it looks for: the excluded raw bytes hold the quarantined canary.
    expect(seen.map((hit) => hit.canary)).toContain(MRN_QUARANTINED);
    expect(report(hits)).toEqual([]);
  });

  it("should find no canary in PostgreSQL's own server log", () => {
    const text = readFileSync(serverLog).subarray(serverLogStart).toString('utf8');
    // The log is there: the refusal of the canary's entry is in it, by its code.
    expect(text).toMatch(/ERROR: .*canary_refuse/);
    expect(report(hitsIn('postgresql server.log', text, CANARIES))).toEqual([]);
  });

  it('should find no canary in the output of the ingest, the API, the bridge or the CLI', () => {
    const hits = [
      ...hitsIn('ingest log', ingestLog.text, CANARIES),
      ...hitsIn('api log', apiLog.text, CANARIES),
      ...hitsIn('bridge output', h.bridge?.output() ?? '', CANARIES),
      ...cliOutputs.flatMap(([label, out]) => hitsIn(label, out, CANARIES)),
    ];
    expect(ingestLog.text).toMatch(/rejected_by_database/);
    expect(cliOutputs.length).toBeGreaterThan(10);
    expect(report(hits)).toEqual([]);
  });

  it('should find no canary in /health or /metrics of the three servers', () => {
    expect(serverPages).toHaveLength(6);
    const hits = serverPages.flatMap(([label, text]) => hitsIn(label, text, CANARIES));
    expect(report(hits)).toEqual([]);
  });

  it('should find no canary in an error answer, nor in any answer to an auditor or a vendor', () => {
    expect(errorAnswers.length).toBeGreaterThan(8);
    const hits = [
      ...errorAnswers.flatMap(([label, text]) => hitsIn(`error: ${label}`, text, CANARIES)),
      ...otherRoleAnswers.flatMap(([label, text]) =>
        hitsIn(
          `answer: ${label}`,
          text,
          CANARIES.filter((k) => !k.storedByDesign),
        ),
      ),
    ];
    expect(report(hits)).toEqual([]);
  });

  it("should find no canary in the bridge's events on Kafka but the Patient ID and accession number the contract asks for", () => {
    expect(bridgeMessages.length).toBeGreaterThanOrEqual(4);
    const hits = bridgeMessages.flatMap((text, i) => {
      const parsed = JSON.parse(text) as { data: Record<string, unknown> };
      const data = parsed.data;
      const patient = data.patient as { value?: string } | undefined;
      if (patient?.value === MRN_BRIDGE) delete patient.value;
      const found = data.patientIdentifiersFound as { value?: string }[] | undefined;
      for (const f of found ?? []) if (f.value === MRN_BRIDGE) delete f.value;
      if (data.accessionNumber === ACC_BRIDGE) delete data.accessionNumber;
      return hitsIn(`bridge event ${i}`, JSON.stringify(parsed), CANARIES);
    });
    expect(report(hits)).toEqual([]);
  });
});
