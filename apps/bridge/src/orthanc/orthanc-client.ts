import type { DicomJsonDataset } from '@scantrail/inspection';
import { z } from 'zod';
import { orthancTimeToRfc3339 } from './orthanc-time';

// Orthanc's REST API, the parts the bridge reads (Orthanc Book, "REST API of the Orthanc
// core" and the DICOMweb plugin). Every call has a timeout: an unreachable Orthanc must
// show on /health, not hang the bridge.

export interface OrthancSystem {
  Name: string;
  Version: string;
  DicomAet: string;
  ApiVersion?: number;
}

export interface OrthancChange {
  ChangeType: string;
  Date: string;
  ID: string;
  ResourceType: string;
  Seq: number;
}

export interface OrthancChanges {
  Changes: OrthancChange[];
  Done: boolean;
  Last: number;
}

export interface OrthancStudy {
  ID: string;
  IsStable?: boolean;
  MainDicomTags: Record<string, string | undefined>;
  PatientMainDicomTags?: Record<string, string | undefined>;
  ParentPatient?: string;
  Series: string[];
  AnonymizedFrom?: string;
  ModifiedFrom?: string;
}

export interface OrthancSeries {
  ID: string;
  Instances: string[];
  MainDicomTags: Record<string, string | undefined>;
}

export interface OrthancJob {
  ID: string;
  Type: string;
  State: string;
  CompletionTime?: string;
  Content?: Record<string, unknown>;
}

export interface OrthancPeer {
  Url: string;
}

export interface OrthancModality {
  AET: string;
  Host: string;
  Port: number;
}

export type { DicomJsonDataset };

/** Orthanc answered with an HTTP error (not a network failure). */
export class OrthancHttpError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
  ) {
    super(`Orthanc answered ${status} to ${path}`);
  }
}

/**
 * Orthanc answered, but with nothing the bridge can use: an answer larger than it reads, or
 * one that is not JSON. The message names the path (Orthanc ids hidden) and the limit,
 * never the answer's own bytes, which hold patient data (PatientMainDicomTags).
 */
export class OrthancAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrthancAnswerError';
  }
}

/**
 * The most bytes the bridge reads of one answer. The largest it asks for is a study's DICOM
 * JSON metadata (every instance's header: a few KB each, so tens of MB for thousands of
 * instances); past this an answer would only fill the bridge's memory.
 */
export const ORTHANC_MAX_ANSWER_BYTES = 128 * 1024 * 1024;

/** A request path as it may be logged: Orthanc's ids (unkeyed hashes of patient data) hidden. */
const loggablePath = (path: string): string => path.replace(/\/[0-9a-f-]{20,}/g, '/…');

/** The body of `response` as JSON, reading at most `maxBytes` of it. */
async function boundedJson<T>(response: Response, path: string, maxBytes: number): Promise<T> {
  const tooLarge = (): OrthancAnswerError =>
    new OrthancAnswerError(
      `Orthanc's answer to ${loggablePath(path)} is larger than ${maxBytes} bytes, the most the bridge reads`,
    );
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as T;
  } catch {
    // V8's message quotes the text around the error: patient data, never to be logged.
    throw new OrthancAnswerError(
      `Orthanc answered ${loggablePath(path)} with something that is not JSON`,
    );
  }
}

/**
 * A page of Orthanc's changes, checked before the bridge moves its place to `Last`: a page
 * it cannot read whole (a change without its Date, a Last that is not a number) would
 * otherwise move it past studies it never saw.
 */
const ORTHANC_CHANGES = z.looseObject({
  Changes: z.array(
    z.looseObject({
      ChangeType: z.string(),
      Date: z.string().refine((d) => orthancTimeToRfc3339(d) !== undefined, {
        error: 'is not an Orthanc time YYYYMMDDTHHMMSS',
      }),
      ID: z.string(),
      ResourceType: z.string(),
      Seq: z.number().int(),
    }),
  ),
  Done: z.boolean(),
  Last: z.number().int().nonnegative(),
});

/** `value` as `schema` reads it, or an error naming where it differs (never its values). */
function checked<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const where = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(the answer)'} ${i.message}`)
    .join('; ');
  throw new OrthancAnswerError(`Orthanc answered ${loggablePath(path)} with ${where}`);
}

export class OrthancClient {
  private readonly authorization?: string;

  constructor(
    readonly baseUrl: string,
    credentials?: { username: string; password: string },
    private readonly timeoutMs = 15_000,
    private readonly maxAnswerBytes = ORTHANC_MAX_ANSWER_BYTES,
  ) {
    if (credentials) {
      this.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
  }

  private async request<T>(
    path: string,
    init: { method?: string; body?: string } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization) headers.authorization = this.authorization;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      body: init.body,
      headers,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new OrthancHttpError(response.status, loggablePath(path));
    }
    return boundedJson<T>(response, path, this.maxAnswerBytes);
  }

  /** The resource, or undefined when Orthanc no longer has it (404). */
  private async optional<T>(path: string): Promise<T | undefined> {
    try {
      return await this.request<T>(path);
    } catch (error) {
      if (error instanceof OrthancHttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  system(): Promise<OrthancSystem> {
    return this.request('/system');
  }

  plugins(): Promise<string[]> {
    return this.request('/plugins');
  }

  async changes(since: number, limit: number): Promise<OrthancChanges> {
    const path = `/changes?since=${since}&limit=${limit}`;
    return checked(ORTHANC_CHANGES, await this.request(path), path);
  }

  async lastChange(): Promise<OrthancChanges> {
    return checked(ORTHANC_CHANGES, await this.request('/changes?last'), '/changes?last');
  }

  study(id: string): Promise<OrthancStudy | undefined> {
    return this.optional(`/studies/${encodeURIComponent(id)}`);
  }

  studyMetadata(id: string): Promise<Record<string, string> | undefined> {
    return this.optional(`/studies/${encodeURIComponent(id)}/metadata?expand`);
  }

  seriesOfStudy(id: string): Promise<OrthancSeries[] | undefined> {
    return this.optional(`/studies/${encodeURIComponent(id)}/series?expand`);
  }

  instanceTags(id: string): Promise<Record<string, unknown> | undefined> {
    return this.optional(`/instances/${encodeURIComponent(id)}/simplified-tags`);
  }

  /** The Study Instance UID of a series' or instance's study, if Orthanc still has it. */
  async parentStudyUid(level: 'series' | 'instances', id: string): Promise<string | undefined> {
    const resource = await this.optional<{ ParentStudy?: string }>(
      `/${level}/${encodeURIComponent(id)}`,
    );
    if (!resource?.ParentStudy) return undefined;
    return (await this.study(resource.ParentStudy))?.MainDicomTags.StudyInstanceUID;
  }

  /** Orthanc's ids of a patient's studies, if Orthanc still has the patient. */
  async patientStudyIds(id: string): Promise<string[] | undefined> {
    return (await this.optional<{ Studies?: string[] }>(`/patients/${encodeURIComponent(id)}`))
      ?.Studies;
  }

  /** Orthanc's ids of the studies with this Study Instance UID. */
  async lookupStudy(studyInstanceUid: string): Promise<string[]> {
    const found = await this.request<{ ID: string; Type: string }[]>('/tools/lookup', {
      method: 'POST',
      body: studyInstanceUid,
    });
    return found.filter((r) => r.Type === 'Study').map((r) => r.ID);
  }

  /** Every instance of a study as DICOM JSON (DICOMweb WADO-RS metadata). */
  async studyDicomJson(studyInstanceUid: string): Promise<DicomJsonDataset[] | undefined> {
    return this.optional(`/dicom-web/studies/${encodeURIComponent(studyInstanceUid)}/metadata`);
  }

  jobs(): Promise<OrthancJob[]> {
    return this.request('/jobs?expand');
  }

  job(id: string): Promise<OrthancJob | undefined> {
    return this.optional(`/jobs/${encodeURIComponent(id)}`);
  }

  peers(): Promise<Record<string, OrthancPeer>> {
    return this.request('/peers?expand');
  }

  modalities(): Promise<Record<string, OrthancModality>> {
    return this.request('/modalities?expand');
  }

  async dicomWebServers(): Promise<Record<string, { Url: string }>> {
    try {
      return await this.request('/dicom-web/servers?expand');
    } catch (error) {
      if (error instanceof OrthancHttpError && error.status === 404) return {};
      throw error;
    }
  }
}
