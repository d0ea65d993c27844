// The patient-rights load bench:api mixes into the demo stream (issue 14's scale targets),
// so that deletionRequests and breachImpact are measured on realistic volumes rather than
// on the demo's handful: a cloud host that ends up holding over 100,000 of the demo's
// studies (disclosed and passed on to it, one by one and in datasets, de-identified copies
// among them) and is breached near the end, and thousands of deletion requests of demo
// patients that end fulfilled, overdue, open or exempt. The demo `npm start` shows is not
// changed: these events exist only in the benchmark's ledger.
import {
  subjectOf,
  type EventDataMap,
  type EventType,
  type LineageEvent,
  type PatientIdentifier,
} from '@scantrail/contract';
import { demoEvents, type DemoMessage } from '@scantrail/demo';

export const BREACHED_VENDOR_ID = 'vnd-bench-helix-cloud';
export const SCALE_BREACH_ID = 'brc-bench-helix-cloud';
const PARTNER_VENDOR_ID = 'vnd-bench-orbit-ai';
const SOURCE = 'https://rights-load.bench.scantrail.local/events';

/** Share of the demo's studies (originals and copies) the breached host receives. */
const HOLD_SHARE = 0.45;
/** Of those, the share received one by one; the rest arrive in datasets of DATASET_SIZE. */
const SINGLE_SHARE = 0.08;
/** Of the single receipts and of the datasets, the share that arrives by onward transfer. */
const ONWARD_SHARE = 0.25;
const DATASET_SIZE = 500;
/** A deletion request story starts about once per this many demo messages. */
const REQUEST_EVERY = 200;
/** Demo messages between a request and the attestation that fulfils it (a few hours). */
const ATTESTATION_DELAY = 300;
/** Where in the stream the host's breach is reported. */
const BREACH_AT = 0.95;
const DAY_MS = 86_400_000;
const PATIENT_MEMORY = 50_000;

const REGISTERED = Buffer.from('"org.scantrail.study.registered"');
const DEIDENTIFIED = Buffer.from('"org.scantrail.study.deidentified"');

type Story = 'fulfilled' | 'overdue' | 'open' | 'exempt' | 'whole-patient';
const STORIES: readonly [Story, number][] = [
  ['fulfilled', 35],
  ['overdue', 25],
  ['open', 15],
  ['exempt', 10],
  ['whole-patient', 15],
];

/** What was mixed in, for the benchmark's header. */
export interface RightsLoadSummary {
  injected: number;
  requests: Record<Story, number>;
  singleReceipts: number;
  datasets: number;
  datasetMembers: number;
  breaches: number;
}

/** mulberry32, as the demo uses: reproducible, not for secrets. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Pending {
  afterDemo: number;
  message: () => DemoMessage;
}

/**
 * `events` messages in all: the demo stream (seed `seed`) with the rights load mixed in at
 * the times the demo's own events carry. The same options always give the same bytes.
 */
export class RightsLoad {
  readonly summary: RightsLoadSummary = {
    injected: 0,
    requests: { fulfilled: 0, overdue: 0, open: 0, exempt: 0, 'whole-patient': 0 },
    singleReceipts: 0,
    datasets: 0,
    datasetMembers: 0,
    breaches: 0,
  };

  private readonly random: () => number;
  private now = 0;
  private firstAt: number | undefined;
  private ids = 0;
  private demoSeen = 0;
  private sinceRequest = 0;
  private readonly patients = new Map<string, PatientIdentifier>();
  private readonly originalsBucket: string[] = [];
  private readonly copiesBucket: string[] = [];
  private readonly pending: Pending[] = [];
  private breached = false;
  private nextStory: Story | undefined;

  constructor(
    private readonly events: number,
    private readonly seed: number,
  ) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  *messages(): Generator<DemoMessage> {
    let produced = 0;
    const out: DemoMessage[] = [];
    for (const demo of demoEvents({ events: this.events, seed: this.seed })) {
      out.length = 0;
      this.observe(demo, out);
      for (const message of [demo, ...out]) {
        if (produced >= this.events) return;
        yield message;
        produced++;
      }
    }
  }

  /** Reacts to one demo message: what to send right after it. */
  private observe(demo: DemoMessage, out: DemoMessage[]): void {
    this.demoSeen++;
    this.sinceRequest++;
    if (demo.kind !== 'event') return;
    const registered = demo.value.indexOf(REGISTERED) >= 0;
    const deidentified = !registered && demo.value.indexOf(DEIDENTIFIED) >= 0;
    if (this.firstAt === undefined) {
      this.now = timeOf(demo);
      this.firstAt = this.now;
      this.setUp(out);
    }
    while (this.pending.length > 0 && this.pending[0].afterDemo <= this.demoSeen) {
      out.push((this.pending.shift() as Pending).message());
    }
    if (!this.breached && this.demoSeen >= this.events * BREACH_AT) {
      this.breached = true;
      out.push(this.breach());
    }
    if (!registered && !deidentified) return;
    const event = JSON.parse(demo.value.toString('utf8')) as LineageEvent;
    this.now = Date.parse(event.time);
    if (this.sinceRequest >= REQUEST_EVERY) this.nextStory ??= this.pickStory();
    if (event.type === 'org.scantrail.study.registered') {
      const { studyInstanceUid, patient } = event.data;
      this.remember(studyInstanceUid, patient);
      if (this.nextStory !== undefined && this.nextStory !== 'exempt') {
        this.requestStory(this.nextStory, studyInstanceUid, patient, out);
        return;
      }
      this.maybeHold(studyInstanceUid, this.originalsBucket, out);
    } else if (event.type === 'org.scantrail.study.deidentified') {
      const { sourceStudyInstanceUid, derivedStudyInstanceUid, methodCodes } = event.data;
      const patient = this.patients.get(sourceStudyInstanceUid);
      if (patient !== undefined) this.remember(derivedStudyInstanceUid, patient);
      // An exempt story needs a copy made by the basic profile (a properly de-identified one).
      if (this.nextStory === 'exempt' && patient !== undefined && methodCodes.includes('113100')) {
        this.requestStory('exempt', derivedStudyInstanceUid, patient, out);
        return;
      }
      this.maybeHold(derivedStudyInstanceUid, this.copiesBucket, out);
    }
  }

  private pickStory(): Story {
    const total = STORIES.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.random() * total;
    for (const [story, weight] of STORIES) {
      roll -= weight;
      if (roll < 0) return story;
    }
    return 'fulfilled';
  }

  private remember(uid: string, patient: PatientIdentifier): void {
    this.patients.set(uid, patient);
    if (this.patients.size > PATIENT_MEMORY) {
      this.patients.delete(this.patients.keys().next().value as string);
    }
  }

  // --- the breached host's holdings --------------------------------------------------------

  private maybeHold(uid: string, bucket: string[], out: DemoMessage[]): void {
    if (this.random() >= HOLD_SHARE) return;
    const copy = bucket === this.copiesBucket;
    if (this.random() < SINGLE_SHARE) {
      this.summary.singleReceipts++;
      this.receive({ studyInstanceUid: uid }, copy, this.random() < ONWARD_SHARE, out);
      return;
    }
    bucket.push(uid);
    if (bucket.length < DATASET_SIZE) return;
    const datasetId = `ds-bench-rights-${++this.summary.datasets}`;
    this.summary.datasetMembers += bucket.length;
    out.push(
      this.emit('org.scantrail.dataset.assembled', {
        datasetId,
        name: `${copy ? 'De-identified' : 'Clinical'} archive batch ${this.summary.datasets}`,
        studyInstanceUids: bucket.splice(0, bucket.length),
        purpose: copy ? 'AI_TRAINING' : 'HEALTHCARE_OPERATIONS',
      }),
    );
    this.receive({ datasetId }, copy, this.random() < ONWARD_SHARE, out);
  }

  /** The host receives the target: disclosed to it, or disclosed to the partner and passed on. */
  private receive(
    target: EventDataMap['org.scantrail.disclosure.recorded']['target'],
    copy: boolean,
    onward: boolean,
    out: DemoMessage[],
  ): void {
    const recipient = onward ? PARTNER_VENDOR_ID : BREACHED_VENDOR_ID;
    out.push(
      this.emit('org.scantrail.disclosure.recorded', {
        disclosureId: `dsc-bench-rights-${this.ids + 1}`,
        recipientVendorId: recipient,
        target,
        purpose: copy ? 'AI_TRAINING' : 'TREATMENT',
        legalBasis: copy ? 'DEIDENTIFIED' : 'TREATMENT',
        agreementId: onward ? 'agr-bench-orbit-dua' : 'agr-bench-helix-baa',
      }),
    );
    if (!onward) return;
    out.push(
      this.emit('org.scantrail.transfer.onward', {
        transferId: `trf-bench-rights-${this.ids + 1}`,
        fromVendorId: PARTNER_VENDOR_ID,
        toVendorId: BREACHED_VENDOR_ID,
        target,
        purpose: copy ? 'AI_TRAINING' : 'TREATMENT',
      }),
    );
  }

  // --- deletion requests -------------------------------------------------------------------

  /**
   * A study (or copy) that just appeared goes to the host (for a third of the stories by
   * way of the partner), then its patient asks for deletion: of that study only, or of
   * everything (where the demo's own vendors are obligated too). A fulfilled story's
   * holders attest a few hours later; an overdue one's never do; an open one is due years
   * ahead; an exempt one names a properly de-identified copy.
   */
  private requestStory(
    story: Story,
    uid: string,
    patient: PatientIdentifier,
    out: DemoMessage[],
  ): void {
    this.summary.requests[story]++;
    this.sinceRequest = 0;
    this.nextStory = undefined;
    const onward = this.random() < 1 / 3;
    this.summary.singleReceipts++;
    this.receive({ studyInstanceUid: uid }, story === 'exempt', onward, out);
    const n = Object.values(this.summary.requests).reduce((sum, k) => sum + k, 0);
    const dueInDays = story === 'open' ? 4 * 365 : 30;
    const data: EventDataMap['org.scantrail.deletion.requested'] = {
      requestId: `del-bench-${String(n).padStart(6, '0')}`,
      patient,
      dueBy: new Date(this.now + dueInDays * DAY_MS).toISOString().slice(0, 10),
      legalGround: this.random() < 0.5 ? 'CCPA 1798.105' : 'Washington My Health My Data Act',
      channel: 'patient portal',
    };
    if (story !== 'whole-patient') data.scope = { studyInstanceUids: [uid] };
    out.push(this.emit('org.scantrail.deletion.requested', data));
    if (story !== 'fulfilled') return;
    const holders = onward ? [PARTNER_VENDOR_ID, BREACHED_VENDOR_ID] : [BREACHED_VENDOR_ID];
    for (const vendorId of holders) {
      this.pending.push({
        afterDemo: this.demoSeen + ATTESTATION_DELAY,
        message: () =>
          this.emit('org.scantrail.deletion.attested', {
            vendorId,
            target: { studyInstanceUid: uid },
            method: 'crypto-shred',
          }),
      });
    }
  }

  // --- set-up and the breach ---------------------------------------------------------------

  private setUp(out: DemoMessage[]): void {
    const longAgo = new Date(this.now - 365 * DAY_MS).toISOString().slice(0, 10);
    out.push(
      this.emit('org.scantrail.vendor.registered', {
        vendorId: BREACHED_VENDOR_ID,
        name: 'Helix Imaging Cloud',
        address: '500 Harbor Blvd, Weehawken, NJ 07086',
        country: 'US',
        role: 'CLOUD_HOST',
      }),
      this.emit('org.scantrail.vendor.registered', {
        vendorId: PARTNER_VENDOR_ID,
        name: 'Orbit AI Labs',
        address: '77 Mass Ave, Cambridge, MA 02139',
        country: 'US',
        role: 'AI_DEVELOPER',
      }),
      this.emit('org.scantrail.agreement.signed', {
        agreementId: 'agr-bench-helix-baa',
        vendorId: BREACHED_VENDOR_ID,
        kind: 'BAA',
        permittedPurposes: ['TREATMENT', 'HEALTHCARE_OPERATIONS', 'AI_TRAINING'],
        effectiveFrom: longAgo,
        allowsOnwardTransfer: false,
      }),
      this.emit('org.scantrail.agreement.signed', {
        agreementId: 'agr-bench-orbit-dua',
        vendorId: PARTNER_VENDOR_ID,
        kind: 'DUA',
        permittedPurposes: ['TREATMENT', 'AI_TRAINING'],
        effectiveFrom: longAgo,
        allowsOnwardTransfer: true,
      }),
    );
  }

  /** The host's breach: the window opens before its first receipt and closes now. */
  private breach(): DemoMessage {
    this.summary.breaches++;
    return this.emit('org.scantrail.breach.reported', {
      breachId: SCALE_BREACH_ID,
      vendorId: BREACHED_VENDOR_ID,
      discoveredAt: new Date(this.now).toISOString().slice(0, 10),
      exposureFrom: new Date((this.firstAt ?? this.now) - DAY_MS).toISOString(),
      exposureTo: new Date(this.now).toISOString(),
      description: 'Ransomware on the archive tier of the hosted PACS',
    });
  }

  private emit<T extends EventType>(type: T, data: EventDataMap[T]): DemoMessage {
    // A few milliseconds apart, after the demo event that prompted it.
    this.now += 10;
    const event = {
      specversion: '1.0',
      id: `bench-rights-${++this.ids}`,
      source: SOURCE,
      type,
      time: new Date(this.now).toISOString(),
      datacontenttype: 'application/json',
      data,
    } as LineageEvent;
    this.summary.injected++;
    return {
      key: subjectOf(event),
      value: Buffer.from(JSON.stringify(event), 'utf8'),
      kind: 'event',
    };
  }
}

function timeOf(message: DemoMessage): number {
  const parsed = JSON.parse(message.value.toString('utf8')) as { time?: string };
  return parsed.time === undefined ? Date.now() : Date.parse(parsed.time);
}
