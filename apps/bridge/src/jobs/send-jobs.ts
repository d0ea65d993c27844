// Pure: Orthanc's send jobs (from its /jobs or from the job journal hook) and the name of
// the destination they went to.
import type { OrthancJob, OrthancModality } from '../orthanc/orthanc-client';
import { orthancTimeToRfc3339 } from '../orthanc/orthanc-time';

export type DestinationKind = 'peer' | 'modality' | 'dicomweb';

const SEND_JOB_KINDS: Record<string, DestinationKind> = {
  OrthancPeerStore: 'peer',
  DicomModalityStore: 'modality',
  DicomWebStowClient: 'dicomweb',
};

export interface SendJob {
  jobId: string;
  kind: DestinationKind;
  /** Orthanc's job type (OrthancPeerStore, DicomModalityStore, DicomWebStowClient). */
  jobType: string;
  /** How many instances Orthanc says the job sent, when it says. */
  instances?: number;
  /** RFC 3339, from Orthanc's CompletionTime (UTC). */
  completedAt: string;
  peerUrl?: string;
  remoteAet?: string;
  dicomWebServer?: string;
  /** Orthanc ids the job was given (any level). */
  resources: string[];
  /** Study uids resolved when the job completed (the journal hook does that). */
  studyInstanceUids?: string[];
}

/**
 * Why a successful send job cannot be recorded as Orthanc reported it: no usable completion
 * time (the disclosure's time would be a guess), or a DICOMweb job that does not name its
 * server and resources (CONTRACT 6: such jobs are not seen; recipient or studies would be
 * a guess).
 */
export type UnrecordedReason = 'completion_time' | 'dicomweb_unnamed';

/**
 * Every reason a successful send job leaves no disclosure (or not all of them): the job's
 * own (UnrecordedReason), none of its resources Orthanc still has (`no_study`), or some it
 * could not read (`unreadable`). The bridge keeps each such job once
 * (bridge_unrecorded_sends) for the privacy officer.
 */
export type UnrecordedSendReason = UnrecordedReason | 'no_study' | 'unreadable';

/**
 * A successful send job that cannot be recorded. The bridge reports it, never drops it
 * silently; `unrecordable` says why and never quotes Orthanc's value.
 */
export interface UnrecordableSendJob {
  jobId: string;
  kind: DestinationKind;
  jobType: string;
  instances?: number;
  /** RFC 3339, when Orthanc gave a usable CompletionTime. */
  completedAt?: string;
  /** The destination as the job reported it (URL, AET or server), if it did. */
  reported?: string;
  reason: UnrecordedReason;
  unrecordable: string;
}

export const isRecordable = (job: SendJob | UnrecordableSendJob): job is SendJob =>
  !('unrecordable' in job);

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v));
  if (value && typeof value === 'object') {
    const id = (value as Record<string, unknown>).ID;
    if (typeof id === 'string') return [id];
    // Lua writes an empty list as {}; a non-empty one as an array.
    return Object.values(value).flatMap((v) => strings(v));
  }
  return [];
}

function firstString(value: unknown): string | undefined {
  return strings(value)[0];
}

/** Orthanc's InstancesCount (a number, or its decimal text as the DICOMweb plugin writes it). */
export function instancesCount(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,9}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

/**
 * A DICOM UID (PS3.5 9.1): numeric components, at most 64 characters. Leading zeros, which
 * the standard forbids, are let through: some devices write them, and Orthanc keeps them.
 */
export function isDicomUid(value: string): boolean {
  return value.length <= 64 && /^[0-9]+(?:\.[0-9]+)*$/.test(value);
}

/**
 * The study uids the journal hook resolved, or undefined (the studies are then asked of
 * Orthanc by the job's resources) when any is not a DICOM UID: a NUL in one made the held
 * send's row unwritable and stopped the bridge; anything else would have gone into the
 * ledger as a study's uid. Orthanc's own answer is the truth; the list is a shortcut.
 */
function journalUids(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const uids = strings(value);
  return uids.every(isDicomUid) ? uids : undefined;
}

/**
 * How far ahead of the bridge's clock a completion time may be (two hosts' clocks differ).
 * Further ahead, Orthanc's clock is wrong or the job made up: a disclosure dated then would
 * stay out of every accounting until that day.
 */
export const COMPLETION_AHEAD_MS = 10 * 60_000;

/**
 * A successful send job, the reason one cannot be recorded, or undefined for any other job
 * (not a send, or not successful). `now`: the bridge's clock, epoch milliseconds.
 */
export function sendJobOf(
  job: OrthancJob & { StudyInstanceUids?: unknown },
  now: number = Date.now(),
): SendJob | UnrecordableSendJob | undefined {
  const kind = SEND_JOB_KINDS[job.Type];
  if (kind === undefined) return undefined;
  if (job.State !== undefined && job.State !== 'Success') return undefined;
  const content = job.Content ?? {};
  const resources = strings(content.ParentResources ?? content.Resources);
  const server = firstString(content.Server ?? content.ServerName ?? content.Name);
  const peerUrl = kind === 'peer' ? firstString(content.Peer) : undefined;
  const remoteAet = kind === 'modality' ? firstString(content.RemoteAet) : undefined;
  const described = {
    jobId: job.ID,
    kind,
    jobType: job.Type,
    instances: instancesCount(content.InstancesCount),
  };
  const readTime = orthancTimeToRfc3339(job.CompletionTime);
  const ahead = readTime !== undefined && Date.parse(readTime) > now + COMPLETION_AHEAD_MS;
  const completedAt = ahead ? undefined : readTime;
  // Orthanc 1.10.1's DICOMweb plugin 1.7 reports only InstancesCount and NetworkSizeMB, for
  // synchronous STOWs too: without both names, holding it would wait for a mapping no name
  // could ever match, and resolving nothing would blame the studies.
  if (kind === 'dicomweb' && (server === undefined || resources.length === 0)) {
    return {
      ...described,
      completedAt,
      reported: server === undefined ? undefined : shownDestination(server),
      reason: 'dicomweb_unnamed',
      unrecordable:
        server === undefined
          ? "Orthanc's job names no DICOMweb server"
          : "Orthanc's job names no resources",
    };
  }
  if (completedAt === undefined) {
    const reported = peerUrl ?? remoteAet ?? server;
    return {
      ...described,
      reported: reported === undefined ? undefined : shownDestination(reported),
      reason: 'completion_time',
      unrecordable: ahead
        ? `CompletionTime is later than the bridge's clock by more than ${COMPLETION_AHEAD_MS / 60_000} minutes`
        : typeof job.CompletionTime === 'string'
          ? "CompletionTime is not Orthanc's YYYYMMDDTHHMMSS[.ffffff] (UTC)"
          : 'Orthanc gave no CompletionTime',
    };
  }
  return {
    ...described,
    completedAt,
    peerUrl,
    remoteAet,
    dicomWebServer: kind === 'dicomweb' ? server : undefined,
    resources,
    studyInstanceUids: journalUids(job.StudyInstanceUids),
  };
}

export interface DestinationDirectory {
  peers: Record<string, { Url: string }>;
  modalities: Record<string, OrthancModality>;
  dicomWebServers: Record<string, { Url: string }>;
}

export interface ResolvedDestination {
  kind: DestinationKind;
  /** Orthanc's name of the destination; undefined when nothing matches what the job says. */
  name?: string;
  /** What the job reported (URL, AET or server), for logs when no name matches. */
  reported: string;
}

const normalizedUrl = (url: string): string => url.trim().replace(/\/+$/, '').toLowerCase();

/**
 * What a job reported, as the bridge may keep and show it: a URL's user and password (an
 * Orthanc peer or DICOMweb server configured as `http://user:password@host/`) replaced by
 * `***`. Held and unrecorded sends keep this in the bridge's tables, the API serves it to
 * privacy officers and auditors, and log lines name it: a password only ever comes from
 * settings, never into a table or a screen. Matching against Orthanc's directory uses the
 * URL as reported, before this.
 */
export function shownDestination(reported: string): string {
  const masked = reported.replace(/^(\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
  // PostgreSQL refuses NUL (one such job failed the bridge's whole step, and every later
  // send with it); controls and invisible characters forge log lines or read as another
  // name. Orthanc's own names (a URL, an AET, a server's name) hold none of them.
  const readable = masked.replace(NOT_SHOWN, '\ufffd');
  // Counted in code points, of at most twice as many UTF-16 units (an answer may be 128 MiB).
  const head = [...readable.slice(0, 2 * MAX_SHOWN_DESTINATION)];
  if (head.length <= MAX_SHOWN_DESTINATION && readable.length <= 2 * MAX_SHOWN_DESTINATION) {
    return readable;
  }
  return `${head.slice(0, MAX_SHOWN_DESTINATION - CUT_NOTE.length).join('')}${CUT_NOTE}`;
}

/** The most characters of a destination kept, shown and logged (a URL is far shorter). */
export const MAX_SHOWN_DESTINATION = 512;
const CUT_NOTE = `… (cut at ${MAX_SHOWN_DESTINATION} characters)`;
const NOT_SHOWN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** The `/peers` or `/modalities` name a job's URL or AET belongs to. */
export function resolveDestination(
  job: SendJob,
  directory: DestinationDirectory,
): ResolvedDestination {
  if (job.kind === 'peer') {
    const reported = job.peerUrl ?? '';
    const name = Object.entries(directory.peers).find(
      ([, peer]) => normalizedUrl(peer.Url) === normalizedUrl(reported),
    )?.[0];
    return { kind: 'peer', name, reported: shownDestination(reported) };
  }
  if (job.kind === 'modality') {
    const reported = job.remoteAet ?? '';
    const matches = Object.entries(directory.modalities).filter(([, m]) => m.AET === reported);
    // Two modalities with one AET cannot be told apart from the job: never guess.
    return { kind: 'modality', name: matches.length === 1 ? matches[0]?.[0] : undefined, reported };
  }
  const reported = job.dicomWebServer ?? '';
  // Own names only: `in` finds constructor, toString, __proto__ on any plain object.
  const name = Object.hasOwn(directory.dicomWebServers, reported)
    ? reported
    : Object.entries(directory.dicomWebServers).find(
        ([, s]) => normalizedUrl(s.Url) === normalizedUrl(reported),
      )?.[0];
  return { kind: 'dicomweb', name, reported: shownDestination(reported) };
}
