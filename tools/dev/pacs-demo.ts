/**
 * The PACS part of `npm start`: a hospital Orthanc and a vendor Orthanc (its peer), the
 * Orthanc bridge between the hospital and Kafka, and a few demo studies that go the whole
 * way: a head CT de-identified the proper way and carelessly (the copy keeps the Patient
 * ID), both sent to a mapped peer, and a chest CT sent to a DICOM modality that
 * BRIDGE_DESTINATIONS does not map, so a held send shows on the dashboard.
 * Everything lives under <data dir>/orthanc; the studies are loaded once per data folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  newUid,
  orthancInstalled,
  startLocalOrthanc,
  uploadStudy,
  type DemoStudy,
  type LocalOrthanc,
} from '@scantrail/orthanc-local';

export const HOSPITAL_PACS_NAME = 'General Hospital PACS';
/** The vendor archive, as the hospital's Orthanc peer (mapped to DeepScan AI). */
export const MAPPED_PEER = 'deepscan-archive';
/** The same archive as a DICOM modality the destinations file leaves out (held sends). */
export const UNMAPPED_MODALITY = 'research-lab';

const DESTINATIONS = {
  [MAPPED_PEER]: {
    vendorId: 'vnd-deepscan',
    purpose: 'AI_TRAINING',
    legalBasis: 'DEIDENTIFIED',
    agreementId: 'agr-deepscan-dua-2024',
  },
};

export interface PacsDemo {
  hospital: LocalOrthanc;
  vendor: LocalOrthanc;
  /** The bridge's settings of CONTRACT section 6, for its child process. */
  bridgeEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts both Orthancs, or says in one line why not and returns undefined. */
export async function startPacs(
  dataDir: string,
  bridgePort: number,
  logger: Logger,
): Promise<PacsDemo | undefined> {
  if (!orthancInstalled()) {
    logger.warn(
      'Orthanc is not installed (apt-get install orthanc orthanc-dicomweb dcmtk): the PACS demo and the bridge are skipped',
    );
    return undefined;
  }
  const root = join(dataDir, 'orthanc');
  await mkdir(root, { recursive: true });
  const journal = join(root, 'job-journal.ndjson');
  const destinations = join(root, 'destinations.json');
  await writeFile(destinations, `${JSON.stringify(DESTINATIONS, null, 2)}\n`);
  const log = (line: string): void => logger.info(line);
  const vendor = await startLocalOrthanc({
    dataDir: join(root, 'vendor'),
    name: 'DeepScan AI archive',
    aet: 'DEEPSCAN',
    acceptAnyStore: true,
    log,
  });
  let hospital: LocalOrthanc;
  try {
    hospital = await startLocalOrthanc({
      dataDir: join(root, 'hospital'),
      name: HOSPITAL_PACS_NAME,
      aet: 'HOSPITAL',
      stableAgeS: 2,
      peers: { [MAPPED_PEER]: `${vendor.url}/` },
      modalities: {
        [UNMAPPED_MODALITY]: { aet: 'DEEPSCAN', host: '127.0.0.1', port: vendor.ports.dicom },
      },
      jobJournal: journal,
      jobsHistorySize: 100,
      acceptAnyStore: true,
      log,
    });
  } catch (error) {
    await vendor.stop();
    throw error;
  }
  return {
    hospital,
    vendor,
    bridgeEnv: {
      ORTHANC_URL: hospital.url,
      BRIDGE_DESTINATIONS: destinations,
      BRIDGE_JOB_JOURNAL: journal,
      BRIDGE_PORT: String(bridgePort),
    },
    stop: async () => {
      await hospital.stop();
      await vendor.stop();
    },
  };
}

const series = (
  modality: string,
  bodyPart: string,
  description: string,
  instances: number,
  seriesNumber = 1,
): DemoStudy['series'][number] => ({
  seriesInstanceUid: newUid(),
  seriesNumber,
  modality,
  bodyPart,
  description,
  instances,
});

function demoStudies(): { headCt: DemoStudy; chestCt: DemoStudy; kneeMr: DemoStudy } {
  const hospital = 'General Hospital';
  return {
    // 24 axial slices of the head: enough to rebuild a face (FACE_RECONSTRUCTABLE).
    headCt: {
      studyInstanceUid: newUid(),
      patientId: 'GH-0042117',
      issuerOfPatientId: 'urn:oid:2.16.840.1.113883.3.7',
      patientName: 'Doe^Jane',
      studyDate: '20250314',
      accessionNumber: 'GH-ACC-5521',
      institutionName: hospital,
      description: 'CT head without contrast',
      series: [series('CT', 'HEAD', 'Axial 5mm', 24, 1), series('CT', 'HEAD', 'Scout', 1, 2)],
    },
    chestCt: {
      studyInstanceUid: newUid(),
      patientId: 'GH-0042118',
      issuerOfPatientId: 'urn:oid:2.16.840.1.113883.3.7',
      patientName: 'Roe^Richard',
      studyDate: '20250402',
      accessionNumber: 'GH-ACC-5530',
      institutionName: hospital,
      description: 'CT chest low dose',
      series: [series('CT', 'CHEST', 'Lung 1mm', 4)],
    },
    kneeMr: {
      studyInstanceUid: newUid(),
      patientId: 'GH-0042119',
      issuerOfPatientId: 'urn:oid:2.16.840.1.113883.3.7',
      patientName: 'Poe^Edgar',
      studyDate: '20250407',
      institutionName: hospital,
      description: 'MR knee',
      series: [series('MR', 'KNEE', 'PD sagittal', 3)],
    },
  };
}

async function rest<T>(
  orthanc: LocalOrthanc,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${orthanc.url}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  if (!response.ok) {
    throw new Error(`Orthanc ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as T;
}

/**
 * Loads the demo studies and makes the copies and sends, once per data folder (a hospital
 * Orthanc that already holds studies is left as it is). Returns the head CT's uid, where
 * the dashboard shows the whole flow, or undefined when nothing was loaded.
 */
export async function runPacsFlow(pacs: PacsDemo, logger: Logger): Promise<string | undefined> {
  const { hospital } = pacs;
  const existing = await rest<string[]>(hospital, 'GET', '/studies');
  if (existing.length > 0) {
    logger.info(
      { studies: existing.length },
      'the hospital Orthanc already holds studies: the PACS demo flow ran before on this data folder',
    );
    return undefined;
  }
  const { headCt, chestCt, kneeMr } = demoStudies();
  const [headId, chestId] = await Promise.all(
    [headCt, chestCt, kneeMr].map((study) => uploadStudy(hospital.url, study)),
  );
  // The proper way: Orthanc's anonymization (Basic Profile). Careless: the copy keeps the
  // Patient ID, which the bridge's inspection finds (PATIENT_IDENTIFIABLE).
  const proper = await rest<{ ID: string }>(hospital, 'POST', `/studies/${headId}/anonymize`, {});
  const careless = await rest<{ ID: string }>(hospital, 'POST', `/studies/${headId}/anonymize`, {
    Replace: { PatientID: headCt.patientId },
    Force: true,
  });
  await rest(hospital, 'POST', `/peers/${MAPPED_PEER}/store`, {
    Resources: [proper.ID, careless.ID],
    Synchronous: true,
  });
  await rest(hospital, 'POST', `/modalities/${UNMAPPED_MODALITY}/store`, {
    Resources: [chestId],
    Synchronous: true,
  });
  logger.info(
    { peer: MAPPED_PEER, heldDestination: UNMAPPED_MODALITY },
    'PACS demo: 3 studies loaded, a head CT de-identified properly and carelessly, both copies sent to the mapped peer, a chest CT sent to an unmapped modality (held until mapped)',
  );
  return headCt.studyInstanceUid;
}
