// A deterministic, endless-feeling stream of hospital lineage events for demos, load tests
// and end-to-end suites. Memory stays flat: the generator remembers only the last few
// thousand studies, consents and holdings (ring buffers) and never the stream itself.
import {
  type Target,
  type EventType,
  type ModelUsage,
  type Purpose,
  type EventDataMap,
  type LineageEvent,
  type LineageEventOf,
  subjectOf,
} from '@scantrail/contract';
import {
  AGREEMENTS,
  AI_DEVELOPERS,
  APPROVERS,
  DEIDENTIFICATION_TOOLS,
  DISCLOSURE_CHANNELS,
  FACILITIES,
  METHOD,
  PATIENT_SYSTEMS,
  SOURCES,
  STUDY_KINDS,
  STUDY_KIND_WEIGHTS,
  VENDORS,
  type DemoVendorName,
} from './demo-catalog';
import { DAY_MS, DEMO_SPAN_DAYS, DemoTimeline, END_MARGIN_DAYS } from './demo-timeline';
import { RecentRing } from './recent-ring';
import { SeededRandom } from './seeded-random';

/** `event`: valid and new; `duplicate`: the exact bytes of an earlier message; `invalid`: meant for the quarantine. */
export type DemoMessageKind = 'event' | 'duplicate' | 'invalid';

export interface DemoMessage {
  /** The Kafka key: the event's subject. */
  key: string;
  /** The CloudEvent as JSON bytes (or, for `invalid`, something that is not quite one). */
  value: Buffer;
  kind: DemoMessageKind;
}

export interface DemoOptions {
  events: number;
  seed: number;
  /**
   * When the stream's history ends. By default a few days before today (UTC), so that the
   * deletion deadlines and the breach read as the story tells them relative to now; the
   * same seed and endTime always give the same bytes.
   */
  endTime?: Date;
  /** Time of the first event, instead of endTime minus the span. */
  startTime?: Date;
  /** How many days the stream spans (default DEMO_SPAN_DAYS, two years). */
  spanDays?: number;
}

/** Where a stream's history starts: `startTime`, or `spanDays` before its end. */
export function demoStart(options: DemoOptions, today = Date.now()): number {
  if (options.startTime !== undefined) return options.startTime.getTime();
  const end =
    options.endTime?.getTime() ?? Math.floor(today / DAY_MS) * DAY_MS - END_MARGIN_DAYS * DAY_MS;
  return end - (options.spanDays ?? DEMO_SPAN_DAYS) * DAY_MS;
}

const RING = 4096;
const LOCAL_OFFSET_MS = -5 * 3_600_000; // the hospital's systems that report local time (-05:00)

interface StudyRecord {
  uid: string;
  patient: number;
  modality: string;
  bodyPart: string;
  isDerivative: boolean;
  hasDerivative: boolean;
}

interface ConsentRecord {
  consentId: string;
  study: StudyRecord;
  decision: 'PERMIT' | 'DENY';
  purposes: Purpose[];
  vendorIds: string[] | undefined;
  revoked: boolean;
  lastDisclosure: Holding | undefined;
}

interface DatasetRecord {
  datasetId: string;
  name: string;
  purpose: Purpose;
}

/** A vendor holding a study or dataset, by disclosure or onward transfer. */
interface Holding {
  vendor: DemoVendorName;
  target: Target;
  purpose: Purpose;
}

const ACTION_WEIGHTS = [
  26, // register a study
  12, // de-identify
  9, // record a consent
  3, // revoke a consent
  3, // assemble a dataset
  22, // disclose
  5, // onward transfer
  4, // train a model
  4, // attest a deletion
  1.5, // re-send an exact duplicate
  3, // a message for the quarantine
];

const PERMIT_PURPOSE_SETS: readonly Purpose[][] = [
  ['RESEARCH'],
  ['RESEARCH', 'AI_TRAINING'],
  ['AI_TRAINING', 'AI_VALIDATION', 'PRODUCT_DEVELOPMENT'],
  ['RESEARCH', 'PUBLIC_HEALTH'],
  ['AI_TRAINING', 'AI_VALIDATION'],
];
const DENY_PURPOSE_SETS: readonly Purpose[][] = [
  ['AI_TRAINING', 'PRODUCT_DEVELOPMENT'],
  ['RESEARCH', 'AI_TRAINING', 'AI_VALIDATION', 'PRODUCT_DEVELOPMENT'],
];
const AI_PURPOSES: readonly Purpose[] = ['AI_TRAINING', 'AI_VALIDATION', 'PRODUCT_DEVELOPMENT'];
const DATASET_TOPICS = [
  'Intracranial hemorrhage CT',
  'Chest radiograph nodules',
  'Screening mammography',
  'Liver lesion CT',
  'Brain MRI tumor segmentation',
  'Pneumothorax detection',
];
const MODEL_FAMILIES = ['ich-detect', 'nodule-finder', 'breast-density', 'organ-seg', 'triage'];
const USAGES: readonly ModelUsage[] = ['TRAINING', 'VALIDATION', 'TESTING'];
const REVOCATION_REASONS = [
  'patient request by phone',
  'withdrawn via patient portal',
  'written revocation received',
];
const DELETION_METHODS = ['NIST SP 800-88 purge', 'crypto-shred', 'secure overwrite'];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

class DemoWorld {
  private readonly random: SeededRandom;
  private readonly uidTag: string;
  private readonly idTag: string;
  private clock: number;
  private readonly timeline: DemoTimeline;
  private readonly radiantExpiry: string;
  private setupDone = false;
  private terminationDone = false;
  private vendorUpdateDone = false;
  private renewalDone = false;
  /** Patient-rights story steps already told (see rightsStory). */
  private rightsSteps = 0;
  private readonly rightsStudies: StudyRecord[] = [];
  /** The de-identified copy of each rights patient that has one. */
  private readonly rightsCopies: string[] = [];
  private lastRegistered: StudyRecord | undefined;
  private messages = 0;
  private patients = 0;
  private studies = 0;
  private derivatives = 0;
  private consents = 0;
  private datasets = 0;
  private disclosures = 0;
  private transfers = 0;
  private deletions = 0;
  private readonly recentPatients = new RecentRing<number>(RING);
  private readonly originals = new RecentRing<StudyRecord>(RING);
  private readonly derived = new RecentRing<StudyRecord>(RING);
  private readonly consentRing = new RecentRing<ConsentRecord>(RING);
  private readonly datasetRing = new RecentRing<DatasetRecord>(256);
  private readonly holdings = new RecentRing<Holding>(RING);
  private readonly sent = new RecentRing<DemoMessage>(64);

  constructor(
    options: DemoOptions,
    private readonly total: number,
  ) {
    this.random = new SeededRandom(options.seed);
    this.uidTag = String((options.seed >>> 0) + 1);
    this.idTag = (options.seed >>> 0).toString(16).padStart(8, '0');
    this.timeline = new DemoTimeline(demoStart(options), options.spanDays ?? DEMO_SPAN_DAYS);
    this.clock = this.timeline.startMs;
    // Radiant's agreement lapses about 60% of the way through the stream.
    this.radiantExpiry = this.date(this.timeline.at(0.6));
  }

  /** The next few messages, in time order. */
  step(produced: number): DemoMessage[] {
    if (!this.setupDone) {
      this.setupDone = true;
      return this.setup();
    }
    // The next step's place on the timeline, a random part of the way to the one after.
    const target = this.timeline.at((produced + this.random.next()) / this.total);
    this.clock = Math.max(this.clock + 1, target);
    const scheduled = this.scheduled(produced);
    if (scheduled !== undefined) return [scheduled];
    const story = this.rightsStory(produced);
    if (story !== undefined) return story;
    switch (this.random.weighted(ACTION_WEIGHTS)) {
      case 0:
        return [this.registerStudy()];
      case 1:
        return this.deidentify();
      case 2:
        return [this.recordConsent()];
      case 3:
        return this.revokeConsent();
      case 4:
        return [this.assembleDataset()];
      case 5:
        return [this.disclose()];
      case 6:
        return [this.transferOnward()];
      case 7:
        return [this.trainModel()];
      case 8:
        return [this.attestDeletion()];
      case 9:
        return [this.duplicate()];
      default:
        return [this.quarantineBait()];
    }
  }

  // --- time, ids -------------------------------------------------------------------------

  private time(ms: number): string {
    // Some systems report local time with an offset; the instant is the same.
    if (this.random.chance(0.2)) {
      return new Date(ms + LOCAL_OFFSET_MS).toISOString().replace('Z', '-05:00');
    }
    return new Date(ms).toISOString();
  }

  private date(ms: number): string {
    return new Date(ms).toISOString().slice(0, 10);
  }

  private eventId(): string {
    // UUID-shaped; the counter in the last group keeps ids unique for any length of stream.
    const r = this.random.nextUint32().toString(16).padStart(8, '0');
    const s = this.random.nextUint32().toString(16).padStart(8, '0');
    const n = (this.messages++).toString(16).padStart(12, '0');
    return `${r}-${s.slice(0, 4)}-4${s.slice(5, 8)}-${this.idTag.slice(0, 4)}-${n}`;
  }

  private studyUid(kind: 1 | 2, n: number): string {
    return `2.25.${this.uidTag}${kind}${pad(n, 10)}`;
  }

  // --- emitting --------------------------------------------------------------------------

  private emit<T extends EventType>(type: T, source: string, data: EventDataMap[T]): DemoMessage {
    const event = {
      specversion: '1.0',
      id: this.eventId(),
      source,
      type,
      time: this.time(this.clock),
      datacontenttype: 'application/json',
      data,
    } as LineageEventOf<T>;
    const key = subjectOf(event as LineageEvent);
    // Half the producers send `subject`; the other half leave it to be derived.
    const withSubject = this.random.chance(0.5) ? { ...event, subject: key } : event;
    const message: DemoMessage = {
      key,
      value: Buffer.from(JSON.stringify(withSubject), 'utf8'),
      kind: 'event',
    };
    this.sent.push(message);
    return message;
  }

  private setup(): DemoMessage[] {
    const out: DemoMessage[] = [];
    for (const vendor of Object.values(VENDORS)) {
      const data: EventDataMap['org.scantrail.vendor.registered'] = {
        vendorId: vendor.vendorId,
        name: vendor.name,
        address: vendor.address,
        country: vendor.country,
        role: vendor.role,
      };
      if ('parentVendorId' in vendor) data.parentVendorId = vendor.parentVendorId;
      out.push(this.emit('org.scantrail.vendor.registered', SOURCES.contracts, data));
      this.clock += 1_000;
    }
    for (const agreement of AGREEMENTS) {
      const longAgo = this.clock - this.random.between(200, 500) * DAY_MS;
      out.push(
        this.emit('org.scantrail.agreement.signed', SOURCES.contracts, {
          agreementId: agreement.agreementId,
          vendorId: VENDORS[agreement.vendor].vendorId,
          kind: agreement.kind,
          permittedPurposes: agreement.permittedPurposes,
          // Both accepted forms: a date, or an instant.
          effectiveFrom: this.random.chance(0.5) ? this.date(longAgo) : this.time(longAgo),
          ...(agreement.ending === 'expires' ? { expiresAt: this.radiantExpiry } : {}),
          allowsOnwardTransfer: agreement.allowsOnwardTransfer,
        }),
      );
      this.clock += 1_000;
    }
    return out;
  }

  private scheduled(produced: number): DemoMessage | undefined {
    if (!this.terminationDone && produced >= this.total * 0.4) {
      this.terminationDone = true;
      return this.emit('org.scantrail.agreement.terminated', SOURCES.contracts, {
        agreementId: 'agr-medimind-dua-2024',
        reason: 'audit found data retained beyond the permitted purpose',
      });
    }
    if (!this.vendorUpdateDone && produced >= this.total * 0.55) {
      this.vendorUpdateDone = true;
      const v = VENDORS.deepscan;
      return this.emit('org.scantrail.vendor.registered', SOURCES.contracts, {
        vendorId: v.vendorId,
        name: v.name,
        address: '1 Seaport Lane, Boston, MA 02210',
        country: v.country,
        role: v.role,
      });
    }
    if (!this.renewalDone && produced >= this.total * 0.75) {
      this.renewalDone = true;
      return this.emit('org.scantrail.agreement.signed', SOURCES.contracts, {
        agreementId: 'agr-radiant-dua-2025',
        vendorId: VENDORS.radiant.vendorId,
        kind: 'DUA',
        permittedPurposes: ['AI_TRAINING', 'AI_VALIDATION'],
        effectiveFrom: this.date(this.clock),
        expiresAt: this.date(this.clock + 365 * DAY_MS),
        allowsOnwardTransfer: false,
      });
    }
    return undefined;
  }

  // --- deletion requests and a breach (CONTRACT v1.1 section 3.1) -------------------------

  /**
   * Four patients whose deletion requests end fulfilled (a copy de-identified and exempt,
   * the original deleted), overdue (an onward recipient never confirms), open (due far
   * ahead) and exempt only; then a breach of the sub-processor Stratus, which holds onward
   * transfers and de-identified copies. Steps run at fixed fractions of the stream.
   */
  private rightsStory(produced: number): DemoMessage[] | undefined {
    const steps: readonly [number, () => DemoMessage[]][] = [
      [0.3, () => this.rightsPatient(0, 'nimbus', true)],
      [0.32, () => this.rightsPatient(1, 'university', false, 'dataBroker')],
      [0.34, () => this.rightsPatient(2, 'nimbus', false)],
      [0.36, () => this.rightsPatient(3, undefined, true)],
      [0.5, () => [this.deletionRequest(0, 30)]],
      [
        0.52,
        () => [
          this.deletion({ vendor: 'nimbus', target: this.rightsTarget(0), purpose: 'TREATMENT' }),
        ],
      ],
      [0.6, () => [this.deletionRequest(1, 30)]],
      [
        0.62,
        () => [
          this.deletion({
            vendor: 'university',
            target: this.rightsTarget(1),
            purpose: 'RESEARCH',
          }),
        ],
      ],
      [0.65, () => [this.deletionRequest(2, 3 * 365)]],
      [0.7, () => [this.deletionRequest(3, 30)]],
      // Before the breach, Stratus receives by onward transfer an original (patient 2's, still
      // awaiting deletion elsewhere) and a properly de-identified copy (patient 3's): the
      // breach then needs notice for one and not the other.
      [0.8, () => [this.rightsOnward(2, 'nimbus', false), this.rightsOnward(3, 'deepscan', true)]],
      [0.9, () => [this.breachReport()]],
    ];
    const next = steps[this.rightsSteps];
    if (next === undefined || produced < this.total * next[0]) return undefined;
    this.rightsSteps++;
    return next[1]();
  }

  /** Rights patient n's study (or its de-identified copy) passed on by `from` to Stratus. */
  private rightsOnward(n: number, from: DemoVendorName, copy: boolean): DemoMessage {
    const uid = copy ? this.rightsCopies[n] : this.rightsStudies[n].uid;
    this.clock += 60_000;
    return this.emit('org.scantrail.transfer.onward', VENDORS[from].source, {
      transferId: `trf-${this.idTag}-rights-${n}-stratus`,
      fromVendorId: VENDORS[from].vendorId,
      toVendorId: VENDORS.stratus.vendorId,
      target: { studyInstanceUid: uid },
      purpose: copy ? 'AI_TRAINING' : 'TREATMENT',
    });
  }

  private rightsTarget(n: number): Target {
    return { studyInstanceUid: this.rightsStudies[n].uid };
  }

  /** A new patient's study held by `holder` (and passed on to `onward`), and/or its de-identified copy held by DeepScan. */
  private rightsPatient(
    n: number,
    holder: DemoVendorName | undefined,
    deidentifiedCopy: boolean,
    onward?: DemoVendorName,
  ): DemoMessage[] {
    const out = [this.registerStudy(true)];
    const study = this.lastRegistered as StudyRecord;
    this.rightsStudies[n] = study;
    const target = { studyInstanceUid: study.uid };
    if (holder !== undefined) {
      const purpose: Purpose = holder === 'nimbus' ? 'TREATMENT' : 'RESEARCH';
      this.clock += 60_000;
      out.push(
        this.emit('org.scantrail.disclosure.recorded', SOURCES.releaseOfInformation, {
          disclosureId: `dsc-${this.idTag}-rights-${n}`,
          recipientVendorId: VENDORS[holder].vendorId,
          target,
          purpose,
          legalBasis: holder === 'nimbus' ? 'TREATMENT' : 'LIMITED_DATA_SET',
        }),
      );
      if (onward !== undefined) {
        this.clock += 3_600_000;
        out.push(
          this.emit('org.scantrail.transfer.onward', VENDORS[holder].source, {
            transferId: `trf-${this.idTag}-rights-${n}`,
            fromVendorId: VENDORS[holder].vendorId,
            toVendorId: VENDORS[onward].vendorId,
            target,
            purpose,
          }),
        );
      }
    }
    if (deidentifiedCopy) {
      const uid = this.studyUid(2, ++this.derivatives);
      this.rightsCopies[n] = uid;
      this.clock += 60_000;
      out.push(
        this.emit('org.scantrail.study.deidentified', SOURCES.deidentification, {
          sourceStudyInstanceUid: study.uid,
          derivedStudyInstanceUid: uid,
          methodCodes: [
            METHOD.basicProfile,
            METHOD.cleanPixelData,
            METHOD.cleanRecognizableVisualFeatures,
          ],
          tool: {
            name: DEIDENTIFICATION_TOOLS[0].name,
            version: DEIDENTIFICATION_TOOLS[0].version,
          },
        }),
      );
      this.clock += 60_000;
      out.push(
        this.emit('org.scantrail.disclosure.recorded', SOURCES.releaseOfInformation, {
          disclosureId: `dsc-${this.idTag}-rights-${n}-deid`,
          recipientVendorId: VENDORS.deepscan.vendorId,
          target: { studyInstanceUid: uid },
          purpose: 'AI_TRAINING',
          legalBasis: 'DEIDENTIFIED',
          agreementId: this.agreementOf('deepscan', 'AI_TRAINING'),
        }),
      );
    }
    return out;
  }

  private deletionRequest(n: number, dueInDays: number): DemoMessage {
    const study = this.rightsStudies[n];
    return this.emit('org.scantrail.deletion.requested', SOURCES.consent, {
      requestId: `del-${this.idTag}-${n + 1}`,
      patient: this.patientIdentifier(study.patient),
      dueBy: this.date(this.clock + dueInDays * DAY_MS),
      legalGround: n === 2 ? 'Washington My Health My Data Act' : 'CCPA 1798.105',
      channel: 'patient portal',
    });
  }

  private breachReport(): DemoMessage {
    return this.emit('org.scantrail.breach.reported', VENDORS.stratus.source, {
      breachId: `brc-${this.idTag}-stratus`,
      vendorId: VENDORS.stratus.vendorId,
      // The instant, not the day: what Stratus received earlier that day was exposed too.
      discoveredAt: this.time(this.clock),
      exposureFrom: this.date(this.clock - 400 * DAY_MS),
      description: 'Storage bucket exposed to the internet by a misconfigured access policy',
    });
  }

  private patientIdentifier(patient: number): { system: string; value: string } {
    return {
      system: PATIENT_SYSTEMS[patient % 10 === 7 ? 1 : 0],
      value: `MRN-${pad(patient + 1, 6)}`,
    };
  }

  // --- studies ---------------------------------------------------------------------------

  private registerStudy(newPatient = false): DemoMessage {
    let patient =
      !newPatient && this.random.chance(0.35) ? this.recentPatients.pick(this.random) : undefined;
    if (patient === undefined) {
      patient = this.patients++;
      this.recentPatients.push(patient);
    }
    const kind = STUDY_KINDS[this.random.weighted(STUDY_KIND_WEIGHTS)];
    const n = ++this.studies;
    const study: StudyRecord = {
      uid: this.studyUid(1, n),
      patient,
      modality: kind.modality,
      bodyPart: kind.bodyPart,
      isDerivative: false,
      hasDerivative: false,
    };
    this.originals.push(study);
    this.lastRegistered = study;
    const data: EventDataMap['org.scantrail.study.registered'] = {
      studyInstanceUid: study.uid,
      patient: {
        system: PATIENT_SYSTEMS[patient % 10 === 7 ? 1 : 0],
        value: `MRN-${pad(patient + 1, 6)}`,
      },
      modality: kind.modality,
      bodyPart: kind.bodyPart,
      studyDate: this.date(this.clock),
      facility: this.random.pick(FACILITIES),
    };
    if (this.random.chance(0.9)) data.accessionNumber = `A${this.uidTag}${pad(n, 8)}`;
    if (this.random.chance(0.8)) data.description = kind.description;
    return this.emit('org.scantrail.study.registered', SOURCES.pacs, data);
  }

  private deidentify(): DemoMessage[] {
    const again = this.random.chance(0.05) ? this.derived.pick(this.random) : undefined;
    const source =
      again ?? this.originals.find(this.random, 4, (s) => !s.hasDerivative) ?? undefined;
    if (source === undefined) return [this.registerStudy()];
    source.hasDerivative = true;
    const headImaging =
      (source.modality === 'CT' || source.modality === 'MR') &&
      (source.bodyPart === 'HEAD' || source.bodyPart === 'BRAIN');
    const methodCodes: string[] = [];
    // A few runs skip the basic profile: such a copy is not de-identified.
    if (this.random.chance(0.96)) methodCodes.push(METHOD.basicProfile);
    methodCodes.push(METHOD.cleanPixelData);
    // Most head CT/MR runs remove the face; the rest leave it recognizable.
    if (headImaging && this.random.chance(0.8)) {
      methodCodes.push(METHOD.cleanRecognizableVisualFeatures);
    }
    if (again !== undefined) methodCodes.push(METHOD.cleanGraphics);
    if (this.random.chance(0.3)) methodCodes.push(METHOD.retainLongitudinalModifiedDates);
    const derivative: StudyRecord = {
      uid: this.studyUid(2, ++this.derivatives),
      patient: source.patient,
      modality: source.modality,
      bodyPart: source.bodyPart,
      isDerivative: true,
      hasDerivative: false,
    };
    this.derived.push(derivative);
    const tool = this.random.pick(DEIDENTIFICATION_TOOLS);
    const data: EventDataMap['org.scantrail.study.deidentified'] = {
      sourceStudyInstanceUid: source.uid,
      derivedStudyInstanceUid: derivative.uid,
      methodCodes,
      tool: { name: tool.name, version: tool.version },
    };
    if (this.random.chance(0.7)) data.performedBy = 'imaging-informatics';
    const deidentified = this.emit(
      'org.scantrail.study.deidentified',
      SOURCES.deidentification,
      data,
    );
    // About half the copies are read back by an inspector (v1.1), a little later.
    if (!this.random.chance(0.5)) return [deidentified];
    this.clock += this.random.between(60_000, 600_000);
    return [deidentified, this.inspect(source, derivative, methodCodes, headImaging)];
  }

  /** What an inspector reading the copy's files reports: mostly what the method codes promise. */
  private inspect(
    source: StudyRecord,
    derivative: StudyRecord,
    methodCodes: readonly string[],
    headImaging: boolean,
  ): DemoMessage {
    const instances = headImaging ? this.random.between(24, 180) : this.random.between(1, 60);
    const issues: NonNullable<EventDataMap['org.scantrail.deidentification.inspected']['issues']> =
      [];
    if (!methodCodes.includes(METHOD.basicProfile) || this.random.chance(0.08)) {
      issues.push({
        code: 'IDENTIFYING_ATTRIBUTE_PRESENT',
        instances,
        keyword: 'OtherPatientIDsSequence',
        tag: '0010,1002',
      });
    }
    if (this.random.chance(0.05)) {
      issues.push({
        code: 'PRIVATE_ATTRIBUTES_RETAINED',
        instances: this.random.between(1, instances),
      });
    }
    if (headImaging && !methodCodes.includes(METHOD.cleanRecognizableVisualFeatures)) {
      issues.push({ code: 'FACE_RECONSTRUCTABLE', instances });
    }
    const data: EventDataMap['org.scantrail.deidentification.inspected'] = {
      inspectionId: `insp-${this.idTag}-${derivative.uid.slice(-10)}`,
      studyInstanceUid: derivative.uid,
      tool: { name: 'scantrail-inspect', version: '1.0.0' },
      instances,
      result: issues.length > 0 ? 'FAIL' : 'PASS',
      methodCodesFound: [...methodCodes],
    };
    if (issues.length > 0) data.issues = issues;
    // Now and then the copy still carries the patient's own MRN.
    if (issues.length > 0 && this.random.chance(0.3)) {
      data.patientIdentifiersFound = [{ value: `MRN-${pad(source.patient + 1, 6)}` }];
    }
    return this.emit('org.scantrail.deidentification.inspected', SOURCES.deidentification, data);
  }

  // --- consents --------------------------------------------------------------------------

  private recordConsent(): DemoMessage {
    const study = this.originals.pick(this.random);
    if (study === undefined) return this.registerStudy();
    const permit = this.random.chance(0.85);
    const purposes = [...this.random.pick(permit ? PERMIT_PURPOSE_SETS : DENY_PURPOSE_SETS)];
    const record: ConsentRecord = {
      consentId: `cns-${this.idTag}-${++this.consents}`,
      study,
      decision: permit ? 'PERMIT' : 'DENY',
      purposes,
      vendorIds: undefined,
      revoked: false,
      lastDisclosure: undefined,
    };
    const data: EventDataMap['org.scantrail.consent.recorded'] = {
      consentId: record.consentId,
      patient: {
        system: PATIENT_SYSTEMS[study.patient % 10 === 7 ? 1 : 0],
        value: `MRN-${pad(study.patient + 1, 6)}`,
      },
      decision: record.decision,
      purposes,
      validFrom: '',
    };
    if (permit && this.random.chance(0.5)) {
      const vendor = VENDORS[this.random.pick(AI_DEVELOPERS)].vendorId;
      record.vendorIds = this.random.chance(0.3) ? [vendor, VENDORS.university.vendorId] : [vendor];
      data.vendorIds = record.vendorIds;
    }
    const scope = this.random.next();
    if (scope < 0.25) data.scope = { modalities: [study.modality] };
    else if (scope < 0.4) data.scope = { studyInstanceUids: [study.uid] };
    // Paper consents are often recorded days after they were signed.
    const from = this.clock - (this.random.chance(0.1) ? this.random.between(1, 30) * DAY_MS : 0);
    data.validFrom = this.random.chance(0.5) ? this.date(from) : this.time(from);
    if (permit) {
      const until = this.random.next();
      if (until < 0.45) data.validUntil = this.date(from + 365 * DAY_MS);
      else if (until < 0.65) data.validUntil = this.time(from + this.random.between(1, 5) * DAY_MS);
    }
    if (this.random.chance(0.7)) data.documentRef = `DocumentReference/${record.consentId}`;
    this.consentRing.push(record);
    return this.emit('org.scantrail.consent.recorded', SOURCES.consent, data);
  }

  private revokeConsent(): DemoMessage[] {
    const consent = this.consentRing.find(
      this.random,
      6,
      (c) => c.decision === 'PERMIT' && !c.revoked,
    );
    if (consent === undefined) return [this.recordConsent()];
    consent.revoked = true;
    const data: EventDataMap['org.scantrail.consent.revoked'] = { consentId: consent.consentId };
    if (this.random.chance(0.6)) data.reason = this.random.pick(REVOCATION_REASONS);
    const out = [this.emit('org.scantrail.consent.revoked', SOURCES.consent, data)];
    // Half the vendors that relied on it confirm deletion soon after; the rest retain.
    const held = consent.lastDisclosure;
    if (held !== undefined && this.random.chance(0.5)) {
      this.clock += this.random.between(1, 72) * 3_600_000;
      out.push(this.deletion(held));
    }
    return out;
  }

  // --- datasets, disclosures, vendors' reports ---------------------------------------------

  private assembleDataset(): DemoMessage {
    const existing = this.random.chance(0.3) ? this.datasetRing.pick(this.random) : undefined;
    const n = existing === undefined ? ++this.datasets : 0;
    const dataset = existing ?? {
      datasetId: `ds-${this.idTag}-${n}`,
      name: `${this.random.pick(DATASET_TOPICS)} ${this.date(this.clock).slice(0, 4)} #${n}`,
      purpose: this.random.pick<Purpose>(['AI_TRAINING', 'AI_VALIDATION', 'RESEARCH']),
    };
    const pool = this.derived.size > 0 ? this.derived : this.originals;
    const members = new Set<string>();
    const wanted = this.random.between(3, 40);
    for (let k = 0; k < wanted; k++) {
      const study = pool.pick(this.random);
      if (study !== undefined) members.add(study.uid);
    }
    if (members.size === 0) return this.registerStudy();
    if (existing === undefined) this.datasetRing.push(dataset);
    return this.emit('org.scantrail.dataset.assembled', SOURCES.research, {
      datasetId: dataset.datasetId,
      name: dataset.name,
      studyInstanceUids: [...members],
      purpose: dataset.purpose,
    });
  }

  private agreementOf(vendor: DemoVendorName, purpose: Purpose): string | undefined {
    return AGREEMENTS.find((a) => a.vendor === vendor && a.permittedPurposes.includes(purpose))
      ?.agreementId;
  }

  private disclose(): DemoMessage {
    const basis = this.random.weighted([30, 25, 8, 7, 12, 10, 8]);
    let vendor: DemoVendorName;
    let purpose: Purpose;
    let target: Target | undefined;
    let consent: ConsentRecord | undefined;
    let legalBasis: EventDataMap['org.scantrail.disclosure.recorded']['legalBasis'];
    switch (basis) {
      case 0: {
        legalBasis = 'PATIENT_AUTHORIZATION';
        // Mostly on a consent; sometimes a study whose patient never signed one.
        consent = this.random.chance(0.9)
          ? this.consentRing.find(this.random, 4, (c) => c.decision === 'PERMIT')
          : undefined;
        const study = consent?.study ?? this.originals.pick(this.random);
        if (study === undefined) return this.registerStudy();
        target = { studyInstanceUid: study.uid };
        const vendorId = consent?.vendorIds?.[0];
        vendor =
          (Object.keys(VENDORS) as DemoVendorName[]).find(
            (k) => VENDORS[k].vendorId === vendorId,
          ) ?? this.random.pick(AI_DEVELOPERS);
        purpose = consent !== undefined ? this.random.pick(consent.purposes) : 'AI_TRAINING';
        break;
      }
      case 1: {
        legalBasis = 'DEIDENTIFIED';
        vendor = this.random.pick(AI_DEVELOPERS);
        purpose = this.random.pick(AI_PURPOSES);
        const roll = this.random.next();
        const dataset = roll < 0.25 ? this.datasetRing.pick(this.random) : undefined;
        // Now and then an original goes out by mistake as if it were de-identified.
        const study =
          roll > 0.95 ? this.originals.pick(this.random) : this.derived.pick(this.random);
        if (dataset !== undefined) target = { datasetId: dataset.datasetId };
        else if (study !== undefined) target = { studyInstanceUid: study.uid };
        break;
      }
      case 2: {
        legalBasis = 'LIMITED_DATA_SET';
        vendor = 'university';
        purpose = 'RESEARCH';
        const dataset = this.datasetRing.pick(this.random);
        const study = this.originals.pick(this.random);
        if (dataset !== undefined && this.random.chance(0.5)) {
          target = { datasetId: dataset.datasetId };
        } else if (study !== undefined) target = { studyInstanceUid: study.uid };
        break;
      }
      case 3:
        legalBasis = 'IRB_WAIVER';
        vendor = 'university';
        purpose = 'RESEARCH';
        target = this.originalTarget();
        break;
      case 4:
        legalBasis = 'TREATMENT';
        vendor = 'nimbus';
        purpose = 'TREATMENT';
        target = this.originalTarget();
        break;
      case 5:
        legalBasis = 'HEALTHCARE_OPERATIONS';
        vendor = 'nimbus';
        purpose = this.random.chance(0.7) ? 'HEALTHCARE_OPERATIONS' : 'QUALITY_IMPROVEMENT';
        target = this.originalTarget();
        break;
      default:
        legalBasis = 'REQUIRED_BY_LAW';
        vendor = 'healthDepartment';
        purpose = this.random.chance(0.6) ? 'PUBLIC_HEALTH' : 'REQUIRED_BY_LAW';
        target = this.originalTarget();
        break;
    }
    if (target === undefined) return this.registerStudy();
    const holding: Holding = { vendor, target, purpose };
    this.holdings.push(holding);
    if (consent !== undefined) consent.lastDisclosure = holding;
    const data: EventDataMap['org.scantrail.disclosure.recorded'] = {
      disclosureId: `dsc-${this.idTag}-${++this.disclosures}`,
      recipientVendorId: VENDORS[vendor].vendorId,
      target,
      purpose,
      legalBasis,
    };
    const agreementId = this.agreementOf(vendor, purpose);
    if (agreementId !== undefined) data.agreementId = agreementId;
    if (this.random.chance(0.8)) data.channel = this.random.pick(DISCLOSURE_CHANNELS);
    if (this.random.chance(0.6)) {
      data.description = `${legalBasis.toLowerCase().replace(/_/g, ' ')} release for ${purpose.toLowerCase().replace(/_/g, ' ')}`;
    }
    if (this.random.chance(0.7)) data.approvedBy = this.random.pick(APPROVERS);
    return this.emit('org.scantrail.disclosure.recorded', SOURCES.releaseOfInformation, data);
  }

  private originalTarget(): Target | undefined {
    const study = this.originals.pick(this.random);
    return study === undefined ? undefined : { studyInstanceUid: study.uid };
  }

  private transferOnward(): DemoMessage {
    const from = this.holdings.find(this.random, 4, (h) => h.vendor !== 'dataBroker');
    if (from === undefined) return this.disclose();
    let to: DemoVendorName;
    if (from.vendor === 'deepscan') to = this.random.chance(0.7) ? 'stratus' : 'dataBroker';
    else if (this.random.chance(0.5)) to = 'dataBroker';
    else to = from.vendor === 'nimbus' ? 'stratus' : 'nimbus';
    this.holdings.push({ vendor: to, target: from.target, purpose: from.purpose });
    return this.emit('org.scantrail.transfer.onward', VENDORS[from.vendor].source, {
      transferId: `trf-${this.idTag}-${++this.transfers}`,
      fromVendorId: VENDORS[from.vendor].vendorId,
      toVendorId: VENDORS[to].vendorId,
      target: from.target,
      purpose: from.purpose,
    });
  }

  private trainModel(): DemoMessage {
    const held = this.holdings.find(
      this.random,
      6,
      (h) => AI_DEVELOPERS.includes(h.vendor) || h.vendor === 'dataBroker',
    );
    if (held === undefined) return this.disclose();
    const family = this.random.pick(MODEL_FAMILIES);
    return this.emit('org.scantrail.model.trained', VENDORS[held.vendor].source, {
      vendorId: VENDORS[held.vendor].vendorId,
      modelId: `mdl-${held.vendor.toLowerCase()}-${family}`,
      modelVersion: `${this.random.between(1, 3)}.${this.random.between(0, 9)}.0`,
      target: held.target,
      usage: USAGES[this.random.weighted([60, 25, 15])],
    });
  }

  private attestDeletion(): DemoMessage {
    const held = this.holdings.pick(this.random);
    return held === undefined ? this.disclose() : this.deletion(held);
  }

  private deletion(held: Holding): DemoMessage {
    const data: EventDataMap['org.scantrail.deletion.attested'] = {
      vendorId: VENDORS[held.vendor].vendorId,
      target: held.target,
    };
    if (this.random.chance(0.8)) data.method = this.random.pick(DELETION_METHODS);
    if (this.random.chance(0.6)) data.certificateRef = `CERT-${this.idTag}-${++this.deletions}`;
    return this.emit('org.scantrail.deletion.attested', VENDORS[held.vendor].source, data);
  }

  // --- what the ingest must survive --------------------------------------------------------

  private duplicate(): DemoMessage {
    const earlier = this.sent.pick(this.random);
    if (earlier === undefined) return this.registerStudy();
    return { key: earlier.key, value: earlier.value, kind: 'duplicate' };
  }

  private quarantineBait(): DemoMessage {
    const id = this.eventId();
    const time = this.time(this.clock);
    const study = this.originals.pick(this.random);
    const uid = study?.uid ?? this.studyUid(1, 0);
    const envelope = (type: string, data: unknown, extra: object = {}): Buffer =>
      Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id,
          source: SOURCES.pacs,
          type,
          time,
          data,
          ...extra,
        }),
        'utf8',
      );
    const patient = { system: PATIENT_SYSTEMS[0], value: `MRN-${pad(this.random.int(1e6), 6)}` };
    const studyData = {
      studyInstanceUid: uid,
      patient,
      modality: 'CT',
      bodyPart: 'HEAD',
      studyDate: this.date(this.clock),
      facility: FACILITIES[0],
    };
    let value: Buffer;
    switch (this.random.int(10)) {
      case 0: {
        // Cut off mid-message, as a broken producer might.
        const whole = envelope('org.scantrail.study.registered', studyData);
        value = whole.subarray(0, Math.floor(whole.length * 0.6));
        break;
      }
      case 1:
        value = envelope('org.scantrail.study.archived', { studyInstanceUid: uid });
        break;
      case 2: {
        const { modality: _missing, ...withoutModality } = studyData;
        value = envelope('org.scantrail.study.registered', withoutModality);
        break;
      }
      case 3:
        value = envelope('org.scantrail.study.registered', {
          ...studyData,
          studyDate: '2025-02-30',
        });
        break;
      case 4:
        value = envelope('org.scantrail.consent.recorded', {
          consentId: `cns-${this.idTag}-bad-${this.messages}`,
          patient,
          decision: 'PERMIT',
          purposes: [],
          validFrom: this.date(this.clock),
        });
        break;
      case 5:
        value = envelope('org.scantrail.disclosure.recorded', {
          disclosureId: `dsc-${this.idTag}-bad-${this.messages}`,
          recipientVendorId: VENDORS.deepscan.vendorId,
          target: { studyInstanceUid: uid, datasetId: 'ds-unknown' },
          purpose: 'AI_TRAINING',
          legalBasis: 'CONSENT',
        });
        break;
      case 6:
        value = envelope('org.scantrail.vendor.registered', {
          vendorID: 'vnd-typo',
          name: 'Typo Health',
          role: 'OTHER',
        });
        break;
      case 7:
        // A local time without an offset is not RFC 3339.
        value = envelope('org.scantrail.study.registered', studyData, {
          time: time.slice(0, 19).replace('T', ' '),
        });
        break;
      case 8: {
        const whole = envelope('org.scantrail.study.registered', studyData);
        value = Buffer.concat([
          whole.subarray(0, 20),
          Buffer.from([0xc3, 0x28]),
          whole.subarray(20),
        ]);
        break;
      }
      default:
        value = Buffer.from(
          `{"specversion":"1.0","id":"${id}","id":"${id}-again","source":"${SOURCES.pacs}",` +
            `"type":"org.scantrail.study.registered","time":"${time}","data":${JSON.stringify(studyData)}}`,
          'utf8',
        );
        break;
    }
    return { key: uid, value, kind: 'invalid' };
  }
}

/**
 * Yields `events` Kafka messages of a fictional hospital: vendors and agreements first (one
 * expiring part-way, one terminated, one sub-processor), then studies, de-identified copies,
 * datasets, consents and revocations, disclosures on every legal basis, onward transfers,
 * models and deletions, with ~1.5% exact duplicates and ~3% messages for the quarantine.
 * The same options always give the same bytes.
 */
export function* demoEvents(options: DemoOptions): Generator<DemoMessage> {
  if (!Number.isSafeInteger(options.events) || options.events < 0) {
    throw new Error(`demo events must be a non-negative integer, got ${options.events}`);
  }
  if (!Number.isFinite(options.seed)) throw new Error('demo seed must be a finite number');
  const world = new DemoWorld(options, options.events);
  let produced = 0;
  while (produced < options.events) {
    for (const message of world.step(produced)) {
      yield message;
      produced++;
      if (produced >= options.events) return;
    }
  }
}
