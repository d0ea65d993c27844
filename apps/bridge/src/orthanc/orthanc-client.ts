import type { DicomJsonDataset } from '@scantrail/inspection';

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

export class OrthancClient {
  private readonly authorization?: string;

  constructor(
    readonly baseUrl: string,
    credentials?: { username: string; password: string },
    private readonly timeoutMs = 15_000,
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
      throw new OrthancHttpError(response.status, path.replace(/\/[0-9a-f-]{20,}/g, '/…'));
    }
    return (await response.json()) as T;
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

  changes(since: number, limit: number): Promise<OrthancChanges> {
    return this.request(`/changes?since=${since}&limit=${limit}`);
  }

  lastChange(): Promise<OrthancChanges> {
    return this.request('/changes?last');
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
