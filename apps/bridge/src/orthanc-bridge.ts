// The bridge: follows Orthanc's changes, its job journal and its jobs, and publishes the
// events of CONTRACT section 6. One step at a time: read, publish (Kafka acks), then move
// the cursor in PostgreSQL; a crash between the two replays the step with the same ids.
import { stat } from 'node:fs/promises';
import {
  defaultBridgeSource,
  readDestinationsFile,
  type BridgeDestinations,
  type BridgeSettings,
} from '@scantrail/config';
import type { Producer } from '@scantrail/kafka';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { BridgeEventIds } from './events/bridge-event-ids';
import { bridgeEvent, toMessage, type BridgeEvent } from './events/bridge-events';
import { SettledSends } from './events/settled-sends';
import type { BridgeMetrics } from './health/bridge-metrics';
import { readJournal } from './jobs/job-journal.reader';
import {
  isRecordable,
  resolveDestination,
  sendJobOf,
  type DestinationDirectory,
  type SendJob,
  type UnrecordableSendJob,
  type UnrecordedReason,
} from './jobs/send-jobs';
import { studiesOfJob } from './jobs/studies-of-job';
import {
  OrthancAnswerError,
  OrthancClient,
  OrthancHttpError,
  type OrthancStudy,
  type OrthancSystem,
} from './orthanc/orthanc-client';
import { orthancTimeToRfc3339 } from './orthanc/orthanc-time';
import { ReadSlots } from './orthanc/read-slots';
import {
  BridgeStateStore,
  type HeldItem,
  type KnownStudy,
  type UnrecordedSend,
} from './state/bridge-state.store';
import { inspectionData } from './studies/study-inspection';
import { deidentifiedData, studyRegistration } from './studies/study-records';

const EVENT = {
  studyRegistered: 'org.scantrail.study.registered',
  studyDeidentified: 'org.scantrail.study.deidentified',
  inspected: 'org.scantrail.deidentification.inspected',
  disclosure: 'org.scantrail.disclosure.recorded',
} as const;

/** What the operator reads for a successful send job the bridge cannot record. */
const UNRECORDED_MESSAGES: Record<UnrecordedReason, string> = {
  completion_time:
    'a successful send job cannot be recorded: its completion time is unusable (no disclosure published; record it by hand)',
  dicomweb_unnamed:
    "a successful STOW job cannot be recorded: Orthanc's job does not name its DICOMweb server and resources (the DICOMweb plugin 1.7 reports counts only; no disclosure published, nothing held); record it by hand, or send through an Orthanc peer or DICOM modality",
};

const CHANGES_PAGE = 200;
const STUDY_CONCURRENCY = 8;
/**
 * Studies read are sent within 100 ms, at most 100 events at once: one send a study doubled
 * the ingest's CPU per study in bench:bridge (its transactions that small), a page a send
 * kept every study of the page waiting for the slowest.
 */
const STUDY_SEND_BATCH = { waitMs: 100, items: 100 };
/**
 * Pages of changes in hand at once: while one waits for a slow study (up to 15 s a request)
 * the studies of the next 9 are read and published; a crash replays at most these pages.
 */
const PAGES_AHEAD = 10;
/** The reason of a study held because the bridge could not read it (retried, below). */
const UNREADABLE = 'the bridge could not read it';
/**
 * How often studies held as unreadable are read again: every 50 looks at Orthanc, at least
 * every 10 s (25 s with the default BRIDGE_POLL_MS). A file repaired in Orthanc's storage,
 * or an answer that failed once (a 500, a timeout), then publishes the study.
 */
const UNREADABLE_RETRY_POLLS = 50;
const UNREADABLE_RETRY_MIN_MS = 10_000;
/** How old a pending study must be before the bridge asks Orthanc about it. */
const PENDING_SWEEP_MS = 10_000;

export interface BridgeOptions {
  settings: BridgeSettings;
  pseudonymKey: Buffer;
  topic: string;
  producer: Producer;
  dataSource: DataSource;
  logger: Logger;
  metrics: BridgeMetrics;
}

export interface BridgeHealth {
  status: 'ok' | 'degraded' | 'down';
  orthanc: 'reachable' | 'unreachable' | 'unknown';
  held: { sends: number; studies: number };
  lastError?: string;
  changeSeq: number;
  jobHook: 'active' | 'not seen';
  source?: string;
}

interface StudyOutcome {
  events: BridgeEvent[];
  hold?: HeldItem;
  /** The study by Orthanc id, remembered for sends read after it is deleted from Orthanc. */
  known?: KnownStudy;
}

/**
 * A failed step as the public /health says it (BRIDGE_PORT listens on every interface unless
 * HEALTH_HOST says otherwise): Orthanc's own errors as they are (their words name a path,
 * never a value), anything else (PostgreSQL, Kafka, files) by its code only, as the API's
 * /health does: a driver's message names the database's address, role or name, Kafka's the
 * user. The log line keeps the whole error.
 */
function publicStepError(error: unknown): string {
  if (error instanceof OrthancAnswerError || error instanceof OrthancHttpError) {
    return error.message;
  }
  const code = (error as { code?: unknown }).code;
  const shownCode = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : '';
  return `the bridge's last step failed${shownCode}: its log says why`;
}

export class OrthancBridge {
  private readonly orthanc: OrthancClient;
  private readonly ids: BridgeEventIds;
  private store?: BridgeStateStore;
  private system?: OrthancSystem;
  private source?: string;
  private destinations: BridgeDestinations;
  private destinationsMtime = 0;
  private directory: DestinationDirectory = { peers: {}, modalities: {}, dicomWebServers: {} };
  private orthancState: BridgeHealth['orthanc'] = 'unknown';
  private lastError?: string;
  private changeSeq = 0;
  private jobHookSeen = false;
  private held = { sends: 0, studies: 0 };
  private retryHeld = true;
  private unreadableTriedAt = 0;
  private running = false;
  private lastSweep = 0;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: BridgeOptions) {
    this.orthanc = new OrthancClient(
      options.settings.orthancUrl,
      options.settings.orthancCredentials,
    );
    this.ids = new BridgeEventIds(options.pseudonymKey);
    this.destinations = options.settings.destinations;
  }

  health(): BridgeHealth {
    const anythingHeld = this.held.sends + this.held.studies > 0;
    return {
      status:
        this.orthancState !== 'reachable' || this.lastError !== undefined
          ? 'down'
          : anythingHeld
            ? 'degraded'
            : 'ok',
      orthanc: this.orthancState,
      held: { ...this.held },
      lastError: this.lastError,
      changeSeq: this.changeSeq,
      jobHook: this.jobHookSeen ? 'active' : 'not seen',
      source: this.source,
    };
  }

  /** Starts following Orthanc; keeps retrying (and reporting) while Orthanc is away. */
  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
        this.lastError = undefined;
      } catch (error) {
        this.noteError(error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.settings.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private noteError(error: unknown): void {
    const message = (error as Error).message;
    const orthancDown =
      error instanceof TypeError ||
      (error as Error).name === 'TimeoutError' ||
      /fetch failed/.test(message);
    if (orthancDown) this.orthancState = 'unreachable';
    this.options.metrics.orthancUp.set(this.orthancState === 'reachable' ? 1 : 0);
    const summary = orthancDown
      ? `Orthanc at ${this.options.settings.orthancUrl} is unreachable`
      : message;
    const shown = orthancDown ? summary : publicStepError(error);
    if (shown !== this.lastError) {
      this.options.logger.error(
        { err: orthancDown ? undefined : error },
        `${summary}; retrying every ${this.options.settings.pollIntervalMs} ms, nothing is skipped meanwhile`,
      );
    }
    this.lastError = shown;
  }

  /** One look at Orthanc: changes, then sends, then what is held. */
  async step(): Promise<void> {
    if (!this.store) await this.connect();
    const store = this.store as BridgeStateStore;
    await this.reloadDestinations();
    await this.followChanges(store);
    await this.refreshDirectory();
    await this.followJournal(store);
    await this.reconcileJobs(store);
    if (this.retryHeld || this.held.sends > 0) await this.publishReleasedSends(store);
    if (this.held.studies > 0) {
      await this.releaseDeletedStudies(store);
      await this.retryUnreadableStudies(store);
    }
    this.held = await store.heldCounts();
    this.options.metrics.heldSends.set(this.held.sends);
    this.options.metrics.heldStudies.set(this.held.studies);
  }

  /** First contact: who Orthanc is, what it offers, what the bridge can check. */
  private async connect(): Promise<void> {
    const { logger, settings } = this.options;
    const system = await this.orthanc.system();
    this.orthancState = 'reachable';
    this.options.metrics.orthancUp.set(1);
    this.system = system;
    this.source = settings.source ?? defaultBridgeSource(system.Name);
    this.store = new BridgeStateStore(this.options.dataSource, this.source);
    const plugins = await this.orthanc.plugins();
    if (!plugins.includes('dicom-web')) {
      logger.warn(
        'Orthanc has no DICOMweb plugin: de-identified copies cannot be inspected until it is enabled',
      );
    }
    await this.refreshDirectory();
    for (const name of this.destinations.keys()) {
      if (this.kindOf(name) === undefined) {
        logger.warn(
          { destination: name },
          'BRIDGE_DESTINATIONS names a destination Orthanc does not know (yet)',
        );
      }
    }
    await this.saveDestinations();
    if (!settings.jobJournal) {
      logger.warn(
        "BRIDGE_JOB_JOURNAL is unset: sends are read from Orthanc's job history only, which keeps JobsHistorySize jobs; install the job journal hook (tools/orthanc/README.md) so none can be missed",
      );
    }
    logger.info(
      { orthanc: system.Name, version: system.Version, source: this.source },
      'following Orthanc',
    );
  }

  /** Own names only (`in` would find constructor, toString, __proto__ in any directory). */
  private kindOf(name: string): string | undefined {
    if (Object.hasOwn(this.directory.peers, name)) return 'peer';
    if (Object.hasOwn(this.directory.modalities, name)) return 'modality';
    if (Object.hasOwn(this.directory.dicomWebServers, name)) return 'dicomweb';
    return undefined;
  }

  private async saveDestinations(): Promise<void> {
    const kinds = new Map<string, string>();
    for (const name of this.destinations.keys()) {
      const kind = this.kindOf(name);
      if (kind) kinds.set(name, kind);
    }
    await this.store?.saveDestinations(this.destinations, kinds);
  }

  private async refreshDirectory(): Promise<void> {
    const [peers, modalities, dicomWebServers] = await Promise.all([
      this.orthanc.peers(),
      this.orthanc.modalities(),
      this.orthanc.dicomWebServers(),
    ]);
    this.directory = { peers, modalities, dicomWebServers };
    this.orthancState = 'reachable';
    this.options.metrics.orthancUp.set(1);
  }

  /** Re-reads BRIDGE_DESTINATIONS when it changed; a bad file keeps the last good one. */
  private async reloadDestinations(): Promise<void> {
    const file = this.options.settings.destinationsFile;
    let mtime: number;
    try {
      mtime = (await stat(file)).mtimeMs;
    } catch {
      return;
    }
    if (this.destinationsMtime === 0) {
      this.destinationsMtime = mtime;
      return;
    }
    if (mtime === this.destinationsMtime) return;
    this.destinationsMtime = mtime;
    try {
      this.destinations = readDestinationsFile(file);
    } catch (error) {
      this.options.logger.error(
        `${(error as Error).message}; keeping the destinations read before`,
      );
      return;
    }
    this.options.logger.info(
      { destinations: this.destinations.size },
      'BRIDGE_DESTINATIONS re-read',
    );
    await this.saveDestinations();
    this.retryHeld = true;
  }

  private async publish(events: readonly BridgeEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.options.producer.send(this.options.topic, events.map(toMessage));
    for (const event of events) this.options.metrics.published.inc({ type: event.type });
  }

  // --- studies -----------------------------------------------------------------------

  private async followChanges(store: BridgeStateStore): Promise<void> {
    let { changeSeq: since } = await store.cursor();
    const last = (await this.orthanc.lastChange()).Last;
    if (last < since) {
      this.options.logger.warn(
        { last, cursor: since },
        "Orthanc's change numbering restarted below the bridge's place (a new Orthanc database): starting over from the first change",
      );
      since = 0;
      await store.apply({ cursor: { changeSeq: 0 } });
    }
    // Pages are read ahead of the one waiting for a slow study (reads share the 8 slots):
    // each is recorded, and the place moved, only after the pages before it.
    const slots = new ReadSlots(STUDY_CONCURRENCY);
    const sends = new SettledSends<BridgeEvent>((events) => this.publish(events), STUDY_SEND_BATCH);
    let recorded: Promise<void> = Promise.resolve();
    const unrecorded: Promise<void>[] = [];
    // Arrivals are recorded with their page; meanwhile the later pages' reads find them here.
    const arrivalsInHand = new Map<string, string>();
    try {
      for (;;) {
        const page = await this.orthanc.changes(since, CHANGES_PAGE);
        const arrivals: { orthancId: string; arrivedAt: string }[] = [];
        const stable: { orthancId: string; date: string }[] = [];
        for (const change of page.Changes) {
          if (change.ResourceType !== 'Study') continue;
          const at = orthancTimeToRfc3339(change.Date);
          if (!at) continue;
          if (change.ChangeType === 'NewStudy')
            arrivals.push({ orthancId: change.ID, arrivedAt: at });
          else if (change.ChangeType === 'StableStudy')
            stable.push({ orthancId: change.ID, date: at });
        }
        for (const a of arrivals) arrivalsInHand.set(a.orthancId, a.arrivedAt);
        const read = this.readStudies(store, stable, slots, sends, new Map(arrivalsInHand));
        read.catch(() => undefined); // its error fails the step through `recorded`
        const cursor = { changeSeq: page.Last };
        recorded = recorded.then(async () => {
          const outcomes = await read;
          await sends.done();
          await this.recordStudies(store, stable, outcomes, cursor, arrivals);
          for (const a of arrivals) {
            if (arrivalsInHand.get(a.orthancId) === a.arrivedAt) arrivalsInHand.delete(a.orthancId);
          }
          this.changeSeq = cursor.changeSeq;
          this.options.metrics.changeSeq.set(cursor.changeSeq);
          for (const change of stable) {
            this.options.metrics.lag.observe(
              Math.max(0, (Date.now() - Date.parse(change.date)) / 1000),
            );
          }
        });
        unrecorded.push(recorded);
        if (unrecorded.length >= PAGES_AHEAD) await unrecorded.shift();
        if (page.Done || page.Last === since) break;
        since = page.Last;
      }
    } catch (error) {
      await recorded.catch(() => undefined);
      throw error;
    }
    await recorded;
    await this.sweepPending(store);
  }

  /**
   * Studies announced long ago and never reported stable: Orthanc keeps stability in
   * memory, so a study still unstable when Orthanc stopped is never announced stable.
   * Orthanc reports it stable when asked, and it is published like any other.
   */
  private async sweepPending(store: BridgeStateStore): Promise<void> {
    if (Date.now() - this.lastSweep < PENDING_SWEEP_MS) return;
    this.lastSweep = Date.now();
    const stale = await store.stalePending(PENDING_SWEEP_MS / 1000, 200);
    const stable: { orthancId: string; date: string }[] = [];
    const gone: string[] = [];
    for (const pending of stale) {
      const study = await this.orthanc.study(pending.orthancId);
      if (!study) gone.push(pending.orthancId);
      else if (study.IsStable)
        stable.push({ orthancId: pending.orthancId, date: pending.arrivedAt });
    }
    if (gone.length > 0) await store.apply({ settled: gone });
    if (stable.length > 0) {
      this.options.logger.info(
        { studies: stable.length },
        'studies Orthanc never announced as stable (it restarted meanwhile) are stable now: publishing them',
      );
      await this.settleStudies(store, stable, undefined);
    }
  }

  /** Publishes (or holds) stable studies, then records that together with `cursor`. */
  private async settleStudies(
    store: BridgeStateStore,
    stable: readonly { orthancId: string; date: string }[],
    cursor: { changeSeq: number } | undefined,
  ): Promise<void> {
    const sends = new SettledSends<BridgeEvent>((events) => this.publish(events), STUDY_SEND_BATCH);
    const slots = new ReadSlots(STUDY_CONCURRENCY);
    const outcomes = await this.readStudies(store, stable, slots, sends).catch(
      async (error: unknown) => {
        await sends.done().catch(() => undefined); // the step fails with Orthanc's error
        throw error;
      },
    );
    await sends.done();
    await this.recordStudies(store, stable, outcomes, cursor);
  }

  /**
   * Reads stable studies and sends each one's events soon after it is read (with whatever
   * else is ready), so one slow answer delays only its own study.
   */
  private async readStudies(
    store: BridgeStateStore,
    stable: readonly { orthancId: string; date: string }[],
    slots: ReadSlots,
    sends: SettledSends<BridgeEvent>,
    arrivalsInHand?: ReadonlyMap<string, string>,
  ): Promise<StudyOutcome[]> {
    const arrivals = await store.arrivals(stable.map((s) => s.orthancId));
    return Promise.all(
      stable.map((s) =>
        slots.run(async () => {
          const time = arrivals.get(s.orthancId) ?? arrivalsInHand?.get(s.orthancId) ?? s.date;
          const outcome = await this.settledStudy(s.orthancId, time);
          sends.add(outcome.events);
          return outcome;
        }),
      ),
    );
  }

  /** Holds what must be held and records the studies as settled, with `cursor`. */
  private async recordStudies(
    store: BridgeStateStore,
    stable: readonly { orthancId: string; date: string }[],
    outcomes: readonly StudyOutcome[],
    cursor: { changeSeq: number } | undefined,
    arrivals: { orthancId: string; arrivedAt: string }[] = [],
  ): Promise<void> {
    const hold: HeldItem[] = [];
    for (const outcome of outcomes) {
      if (!outcome.hold) continue;
      hold.push(outcome.hold);
      this.options.logger.warn(
        { heldKey: outcome.hold.heldKey, reason: outcome.hold.reason },
        'study held, not registered: fix it in Orthanc (a held study is released when deleted)',
      );
    }
    const known = outcomes.map((o) => o.known).filter((k) => k !== undefined);
    const settled = stable.map((s) => s.orthancId);
    await store.apply({ arrivals, hold, known, settled, cursor });
  }

  /**
   * A stable study's outcome. A study the bridge cannot read while Orthanc answers (a file
   * Orthanc cannot read, an answer of an unexpected shape, one request timing out) is held
   * and reported like a study without Patient ID, so it never stops the studies and sends
   * behind it; while Orthanc itself is away the error is thrown and the step retried.
   */
  private async settledStudy(orthancId: string, time: string): Promise<StudyOutcome> {
    const study = await this.orthanc.study(orthancId);
    if (!study) return { events: [] }; // deleted since
    const known: KnownStudy = {
      studyKey: this.ids.stateKey('study', study.ID),
      studyInstanceUid: study.MainDicomTags?.StudyInstanceUID ?? '',
      patientKey: study.ParentPatient
        ? this.ids.stateKey('patient', study.ParentPatient)
        : undefined,
    };
    try {
      return { ...(await this.stableStudy(study, time)), known };
    } catch (error) {
      if (error instanceof TypeError && /fetch failed/.test(error.message)) throw error;
      await this.orthanc.system().catch(() => {
        throw error; // Orthanc is away: not this study's fault, retried
      });
      // Orthanc's own messages hide its ids and never quote patient data; other errors are
      // named only (their text may hold values read from the study).
      const cause =
        error instanceof OrthancHttpError || error instanceof OrthancAnswerError
          ? error.message
          : `${(error as Error).name ?? 'an error'} while reading it`;
      this.options.logger.error(
        { err: error },
        'a stable study could not be read: held, the bridge carries on',
      );
      return { ...this.heldStudy(study, time, `${UNREADABLE}: ${cause}`), known };
    }
  }

  private heldStudy(study: OrthancStudy, time: string, reason: string): StudyOutcome {
    this.options.metrics.heldTotal.inc({ kind: 'STUDY' });
    return {
      events: [],
      hold: {
        heldKey: this.ids.stateKey('study', study.ID),
        kind: 'STUDY',
        reason,
        studyInstanceUid: study.MainDicomTags?.StudyInstanceUID ?? '',
        occurredAt: time,
        eventId: this.ids.eventId('study', study.ID),
        dataId: '-',
      },
    };
  }

  /**
   * The study uids the bridge remembers for Orthanc ids of studies or patients Orthanc no
   * longer has; it keeps them only by their state keys (Orthanc's ids are unkeyed hashes of
   * patient data), so each id is asked for as a study's key and as a patient's.
   */
  private async knownStudyUids(
    store: BridgeStateStore,
    orthancIds: readonly string[],
  ): Promise<Map<string, string[]>> {
    const idOfKey = new Map<string, string>();
    for (const id of orthancIds) {
      idOfKey.set(this.ids.stateKey('study', id), id);
      idOfKey.set(this.ids.stateKey('patient', id), id);
    }
    const byKey = await store.knownStudyUids([...idOfKey.keys()]);
    const uids = new Map<string, string[]>();
    for (const [key, found] of byKey) {
      const id = idOfKey.get(key) as string;
      uids.set(id, [...(uids.get(id) ?? []), ...found]);
    }
    return uids;
  }

  /** The events of a stable study, at `time` (Orthanc's NewStudy time when known). */
  private async stableStudy(study: OrthancStudy, time: string): Promise<StudyOutcome> {
    const uid = study.MainDicomTags.StudyInstanceUID ?? '';
    const source = this.source as string;
    const system = this.system as OrthancSystem;
    const hold = (reason: string): StudyOutcome => this.heldStudy(study, time, reason);

    if (study.AnonymizedFrom) {
      const original = await this.orthanc.study(study.AnonymizedFrom);
      const originalUid = original?.MainDicomTags.StudyInstanceUID;
      if (!originalUid) return hold('anonymized from a study no longer in Orthanc');
      const instances = (await this.orthanc.studyDicomJson(uid)) ?? [];
      const events = [
        bridgeEvent(
          source,
          EVENT.studyDeidentified,
          this.ids.eventId(EVENT.studyDeidentified, study.ID),
          time,
          originalUid,
          deidentifiedData(originalUid, uid, instances, system.Version),
        ),
      ];
      if (instances.length > 0) {
        const originals = (await this.orthanc.studyDicomJson(originalUid)) ?? [];
        const inspection = inspectionData(instances, originals);
        events.push(
          bridgeEvent(
            source,
            EVENT.inspected,
            this.ids.eventId(EVENT.inspected, study.ID),
            time,
            uid,
            {
              inspectionId: this.ids.dataId('insp', EVENT.inspected, study.ID),
              studyInstanceUid: uid,
              ...inspection,
            },
          ),
        );
      }
      return { events };
    }

    const series = (await this.orthanc.seriesOfStudy(study.ID)) ?? [];
    const firstInstance = series
      .map((s) => s.Instances[0])
      .find((id): id is string => id !== undefined);
    const instanceTags = firstInstance
      ? ((await this.orthanc.instanceTags(firstInstance)) ?? {})
      : {};
    const registration = studyRegistration({
      study,
      series,
      instanceTags,
      orthancName: system.Name,
      patientIdSystem: this.options.settings.patientIdSystem,
    });
    if (registration.kind === 'held') return hold(registration.reason);
    return {
      events: [
        bridgeEvent(
          source,
          EVENT.studyRegistered,
          this.ids.eventId(EVENT.studyRegistered, study.ID),
          time,
          uid,
          registration.data,
        ),
      ],
    };
  }

  // --- sends -------------------------------------------------------------------------

  private async followJournal(store: BridgeStateStore): Promise<void> {
    const path = this.options.settings.jobJournal;
    if (!path) return;
    for (;;) {
      const { journalOffset } = await store.cursor();
      const read = await readJournal(path, journalOffset);
      if (read.restarted) {
        this.options.logger.warn(
          "the job journal is shorter than the bridge's place: reading it again from the start",
        );
      }
      const jobs: (SendJob | UnrecordableSendJob)[] = [];
      for (const record of read.records) {
        if (record.Kind === 'hook-started') {
          this.noteHook(record);
          continue;
        }
        const job = sendJobOf(record);
        if (job) jobs.push(job);
      }
      await this.sendJobs(store, jobs, { journalOffset: read.nextOffset });
      if (read.nextOffset === journalOffset) break;
    }
  }

  private noteHook(record: {
    JobsHistorySize: unknown;
    StableAge: unknown;
    HookVersion: string;
  }): void {
    if (!this.jobHookSeen) {
      this.options.logger.info(
        {
          jobsHistorySize: Number(record.JobsHistorySize),
          stableAge: Number(record.StableAge),
          hookVersion: record.HookVersion,
        },
        'the job journal hook runs in Orthanc: no send is missed, however many jobs complete between two looks',
      );
    }
    this.jobHookSeen = true;
  }

  /** Reconciliation: the jobs Orthanc still remembers (covers a hook that missed one). */
  private async reconcileJobs(store: BridgeStateStore): Promise<void> {
    const jobs = (await this.orthanc.jobs())
      .map((job) => sendJobOf(job))
      .filter((job) => job !== undefined);
    await this.sendJobs(store, jobs, undefined);
  }

  private async sendJobs(
    store: BridgeStateStore,
    jobs: readonly (SendJob | UnrecordableSendJob)[],
    cursor: { journalOffset: number } | undefined,
  ): Promise<void> {
    const keys = jobs.map((job) => this.ids.stateKey('job', job.jobId));
    const done = await store.doneJobs(keys);
    const events: BridgeEvent[] = [];
    const hold: HeldItem[] = [];
    const jobsDone: string[] = [];
    const unrecorded: UnrecordedSend[] = [];
    for (const job of jobs) {
      const jobKey = this.ids.stateKey('job', job.jobId);
      if (done.has(jobKey) || jobsDone.includes(jobKey)) continue;
      if (!isRecordable(job)) {
        // Reported once (the job is marked done), never published with a guess. Orthanc's
        // job id is a random UUID, not patient data: the operator looks it up.
        this.options.metrics.unrecordedSends.inc({ reason: job.reason });
        this.options.logger.error(
          { orthancJobId: job.jobId, jobKey, destinationKind: job.kind, reason: job.unrecordable },
          UNRECORDED_MESSAGES[job.reason],
        );
        unrecorded.push({
          jobKey,
          reason: job.reason,
          jobType: job.jobType,
          destinationKind: job.kind,
          destination: job.reported,
          instances: job.instances,
          completedAt: job.completedAt,
        });
        jobsDone.push(jobKey);
        continue;
      }
      const destination = resolveDestination(job, this.directory);
      const { uids, unreadable } = await studiesOfJob(job, this.orthanc, (ids) =>
        this.knownStudyUids(store, ids),
      );
      const unrecordedAs = (reason: 'unreadable' | 'no_study'): UnrecordedSend => ({
        jobKey,
        reason,
        jobType: job.jobType,
        destinationKind: destination.kind,
        destination: destination.name ?? destination.reported,
        instances: job.instances,
        completedAt: job.completedAt,
      });
      if (unreadable.length > 0) {
        // Reported once (the job is marked done) rather than retried forever: the sends
        // behind it go on. The job's other resources are recorded.
        this.options.metrics.unrecordedSends.inc({ reason: 'unreadable' });
        this.options.logger.error(
          {
            orthancJobId: job.jobId,
            jobKey,
            destinationKind: destination.kind,
            reasons: unreadable,
          },
          'a successful send job names a resource the bridge could not read while Orthanc answers: its studies are not recorded (record them by hand)',
        );
        unrecorded.push(unrecordedAs('unreadable'));
      }
      if (uids.length === 0 && unreadable.length === 0) {
        this.options.metrics.unrecordedSends.inc({ reason: 'no_study' });
        this.options.logger.error(
          { jobKey, destinationKind: destination.kind },
          'a successful send job names no study Orthanc still has: it cannot be recorded (install the job journal hook)',
        );
        unrecorded.push(unrecordedAs('no_study'));
      }
      for (const uid of uids) {
        const eventId = this.ids.eventId(EVENT.disclosure, job.jobId, uid);
        const disclosureId = this.ids.dataId('dsc', EVENT.disclosure, job.jobId, uid);
        const item: HeldItem = {
          heldKey: this.ids.stateKey('send', `${job.jobId}\u0000${uid}`),
          kind: 'SEND',
          reason: destination.name
            ? `destination "${destination.name}" is not in BRIDGE_DESTINATIONS`
            : `Orthanc has no ${destination.kind} named for "${destination.reported}"`,
          studyInstanceUid: uid,
          destination: destination.name ?? destination.reported,
          destinationKind: destination.kind,
          occurredAt: job.completedAt,
          eventId,
          dataId: disclosureId,
        };
        const event = this.disclosureOf(item);
        if (event) events.push(event);
        else {
          hold.push(item);
          this.options.metrics.heldTotal.inc({ kind: 'SEND' });
          this.options.logger.warn(
            {
              destination: item.destination,
              destinationKind: item.destinationKind,
              reason: item.reason,
            },
            'send held: map the destination in BRIDGE_DESTINATIONS and it is published',
          );
        }
      }
      jobsDone.push(jobKey);
    }
    await this.publish(events);
    await store.apply({ hold, jobsDone, unrecorded, cursor });
  }

  /** The disclosure of a send, or undefined while its destination is unmapped. */
  private disclosureOf(item: HeldItem): BridgeEvent | undefined {
    const mapping = item.destination ? this.destinations.get(item.destination) : undefined;
    if (!mapping || item.destination === undefined || this.kindOf(item.destination) === undefined) {
      return undefined;
    }
    const data: Record<string, unknown> = {
      disclosureId: item.dataId,
      recipientVendorId: mapping.vendorId,
      target: { studyInstanceUid: item.studyInstanceUid },
      purpose: mapping.purpose,
      legalBasis: mapping.legalBasis,
      channel: `orthanc-${item.destinationKind ?? 'peer'}:${item.destination}`,
      description: `sent by Orthanc "${this.system?.Name ?? ''}" to ${item.destinationKind ?? 'peer'} "${item.destination}"`,
    };
    if (mapping.agreementId) data.agreementId = mapping.agreementId;
    return bridgeEvent(
      this.source as string,
      EVENT.disclosure,
      item.eventId,
      item.occurredAt,
      item.studyInstanceUid,
      data,
    );
  }

  /**
   * A held study is released once Orthanc no longer has it. Orthanc drops a deleted
   * resource's changes rather than logging its deletion, so the bridge asks.
   */
  private async releaseDeletedStudies(store: BridgeStateStore): Promise<void> {
    const release: string[] = [];
    for (const item of await store.held('STUDY')) {
      const ids = await this.orthanc.lookupStudy(item.studyInstanceUid);
      if (!ids.some((id) => this.ids.stateKey('study', id) === item.heldKey)) {
        release.push(item.heldKey);
      }
    }
    if (release.length === 0) return;
    await store.apply({ release });
    this.options.logger.info(
      { released: release.length },
      'held studies released: deleted from Orthanc',
    );
  }

  /**
   * Studies held as unreadable are read again now and then: one that reads now is
   * published (its event ids are those it would have had, so nothing is recorded twice) and
   * released; one held now for another reason (no Patient ID) keeps that reason.
   */
  private async retryUnreadableStudies(store: BridgeStateStore): Promise<void> {
    const every = Math.max(
      UNREADABLE_RETRY_MIN_MS,
      UNREADABLE_RETRY_POLLS * this.options.settings.pollIntervalMs,
    );
    if (Date.now() - this.unreadableTriedAt < every) return;
    this.unreadableTriedAt = Date.now();
    const items = (await store.held('STUDY')).filter((i) => i.reason.startsWith(UNREADABLE));
    const found: { item: HeldItem; orthancId: string }[] = [];
    for (const item of items) {
      const ids = await this.orthanc.lookupStudy(item.studyInstanceUid);
      const orthancId = ids.find((id) => this.ids.stateKey('study', id) === item.heldKey);
      if (orthancId) found.push({ item, orthancId }); // else: deleted, released above
    }
    if (found.length === 0) return;
    const slots = new ReadSlots(STUDY_CONCURRENCY);
    const outcomes = await Promise.all(
      found.map((f) => slots.run(() => this.settledStudy(f.orthancId, f.item.occurredAt))),
    );
    const events: BridgeEvent[] = [];
    const release: string[] = [];
    const hold: HeldItem[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.hold?.reason.startsWith(UNREADABLE)) return; // still unreadable
      events.push(...outcome.events);
      if (outcome.hold) hold.push(outcome.hold);
      else release.push(found[i].item.heldKey);
    });
    if (events.length === 0 && hold.length === 0 && release.length === 0) return;
    await this.publish(events);
    await store.apply({ hold, release });
    this.options.logger.info(
      { released: release.length, heldOtherwise: hold.length },
      'held studies read again: readable now',
    );
  }

  private async publishReleasedSends(store: BridgeStateStore): Promise<void> {
    this.retryHeld = false;
    const held = await store.held('SEND');
    const events: BridgeEvent[] = [];
    const release: string[] = [];
    for (const item of held) {
      const event = this.disclosureOf(item);
      if (!event) continue;
      events.push(event);
      release.push(item.heldKey);
    }
    if (events.length === 0) return;
    await this.publish(events);
    await store.apply({ release });
    this.options.logger.info(
      { released: events.length },
      'held sends published: their destinations are mapped now',
    );
  }
}
