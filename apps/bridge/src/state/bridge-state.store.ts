// The bridge's place and what it holds, in PostgreSQL (tables of migration
// 1764086000000-orthanc-bridge). Parameterized SQL only.
import type { BridgeDestinations } from '@scantrail/config';
import type { Queryable } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import type { DestinationKind, UnrecordedSendReason } from '../jobs/send-jobs';

export interface BridgeCursor {
  changeSeq: number;
  journalOffset: number;
}

export interface HeldItem {
  heldKey: string;
  kind: 'SEND' | 'STUDY';
  reason: string;
  studyInstanceUid: string;
  destination?: string;
  destinationKind?: string;
  occurredAt: string;
  eventId: string;
  dataId: string;
}

/**
 * A successful send job that left no disclosure (or not all of its studies'), by its state
 * key (BridgeEventIds.stateKey('job', Orthanc's job id)) and what Orthanc said of it.
 */
export interface UnrecordedSend {
  jobKey: string;
  reason: UnrecordedSendReason;
  jobType: string;
  destinationKind: DestinationKind;
  /** Orthanc's name of the destination, else what the job reported (URL, AET, server). */
  destination?: string;
  instances?: number;
  /** RFC 3339; undefined when Orthanc gave no usable CompletionTime. */
  completedAt?: string;
}

/** A study by its state key (BridgeEventIds.stateKey('study', Orthanc id)), with its patient's. */
export interface KnownStudy {
  studyKey: string;
  studyInstanceUid: string;
  patientKey?: string;
}

/** One transaction's writes, applied together with the cursor that follows them. */
export interface StateChanges {
  arrivals?: { orthancId: string; arrivedAt: string }[];
  /** Orthanc ids of studies no longer pending (published, held or gone). */
  settled?: string[];
  /** Studies published or held, remembered by Orthanc id for sends read after a deletion. */
  known?: KnownStudy[];
  jobsDone?: string[];
  /** Kept once per job, in the transaction that marks the job done. */
  unrecorded?: UnrecordedSend[];
  hold?: HeldItem[];
  release?: string[];
  releaseStudies?: string[];
  cursor?: Partial<BridgeCursor>;
}

export class BridgeStateStore {
  constructor(
    private readonly dataSource: DataSource,
    readonly source: string,
  ) {}

  async cursor(): Promise<BridgeCursor> {
    const rows = await this.dataSource.query<{ change_seq: string; journal_offset: string }[]>(
      'SELECT change_seq, journal_offset FROM bridge_cursors WHERE source = $1',
      [this.source],
    );
    const row = rows[0];
    return row
      ? { changeSeq: Number(row.change_seq), journalOffset: Number(row.journal_offset) }
      : { changeSeq: 0, journalOffset: 0 };
  }

  /** Arrival times of pending studies (Orthanc's ids), for those still pending. */
  async arrivals(orthancIds: readonly string[]): Promise<Map<string, string>> {
    if (orthancIds.length === 0) return new Map();
    const rows = await this.dataSource.query<{ orthanc_id: string; at: string }[]>(
      `SELECT orthanc_id, to_char(arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
         FROM bridge_pending_studies WHERE source = $1 AND orthanc_id = ANY($2)`,
      [this.source, orthancIds],
    );
    return new Map(rows.map((r) => [r.orthanc_id, r.at]));
  }

  /**
   * The study uids the bridge knows for each state key: a study's own (its study key), or a
   * patient's studies (its patient key), for ids Orthanc no longer has (from its job history).
   */
  async knownStudyUids(keys: readonly string[]): Promise<Map<string, string[]>> {
    const known = new Map<string, string[]>();
    if (keys.length === 0) return known;
    const rows = await this.dataSource.query<{ key: string; uid: string }[]>(
      `SELECT study_key AS key, study_instance_uid AS uid
         FROM bridge_known_studies WHERE source = $1 AND study_key = ANY($2)
       UNION ALL
       SELECT patient_key, study_instance_uid
         FROM bridge_known_studies WHERE source = $1 AND patient_key = ANY($2)`,
      [this.source, keys],
    );
    for (const r of rows) known.set(r.key, [...(known.get(r.key) ?? []), r.uid]);
    return known;
  }

  /** The oldest studies still pending that arrived more than `olderThanS` seconds ago. */
  async stalePending(
    olderThanS: number,
    limit: number,
  ): Promise<{ orthancId: string; arrivedAt: string }[]> {
    const rows = await this.dataSource.query<{ orthanc_id: string; at: string }[]>(
      `SELECT orthanc_id, to_char(arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
         FROM bridge_pending_studies
        WHERE source = $1 AND arrived_at < now() - make_interval(secs => $2)
        ORDER BY arrived_at LIMIT $3`,
      [this.source, olderThanS, limit],
    );
    return rows.map((r) => ({ orthancId: r.orthanc_id, arrivedAt: r.at }));
  }

  async doneJobs(jobKeys: readonly string[]): Promise<Set<string>> {
    if (jobKeys.length === 0) return new Set();
    const rows = await this.dataSource.query<{ job_key: string }[]>(
      'SELECT job_key FROM bridge_jobs_done WHERE source = $1 AND job_key = ANY($2)',
      [this.source, jobKeys],
    );
    return new Set(rows.map((r) => r.job_key));
  }

  async held(kind?: 'SEND' | 'STUDY'): Promise<HeldItem[]> {
    const rows = await this.dataSource.query<
      {
        held_key: string;
        kind: 'SEND' | 'STUDY';
        reason: string;
        study_instance_uid: string;
        destination: string | null;
        destination_kind: string | null;
        occurred_at: string;
        event_id: string;
        data_id: string;
      }[]
    >(
      `SELECT held_key, kind, reason, study_instance_uid, destination, destination_kind,
              to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at,
              event_id, data_id
         FROM bridge_held WHERE source = $1 AND ($2::text IS NULL OR kind = $2)
        ORDER BY held_at, held_key`,
      [this.source, kind ?? null],
    );
    return rows.map((r) => ({
      heldKey: r.held_key,
      kind: r.kind,
      reason: r.reason,
      studyInstanceUid: r.study_instance_uid,
      destination: r.destination ?? undefined,
      destinationKind: r.destination_kind ?? undefined,
      occurredAt: r.occurred_at,
      eventId: r.event_id,
      dataId: r.data_id,
    }));
  }

  async heldCounts(): Promise<{ sends: number; studies: number }> {
    const rows = await this.dataSource.query<{ kind: string; n: number }[]>(
      `SELECT kind, count(*)::int AS n FROM bridge_held WHERE source = $1 GROUP BY kind`,
      [this.source],
    );
    return {
      sends: rows.find((r) => r.kind === 'SEND')?.n ?? 0,
      studies: rows.find((r) => r.kind === 'STUDY')?.n ?? 0,
    };
  }

  /** Applies the changes of one step in one transaction. */
  async apply(changes: StateChanges): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await this.write(tx, changes);
    });
  }

  private async write(q: Queryable, changes: StateChanges): Promise<void> {
    const arrivals = changes.arrivals ?? [];
    if (arrivals.length > 0) {
      await q.query(
        `INSERT INTO bridge_pending_studies (source, orthanc_id, arrived_at)
         SELECT $1, k, a FROM unnest($2::text[], $3::timestamptz[]) AS t(k, a)
         ON CONFLICT DO NOTHING`,
        [this.source, arrivals.map((a) => a.orthancId), arrivals.map((a) => a.arrivedAt)],
      );
    }
    if ((changes.settled ?? []).length > 0) {
      await q.query(
        'DELETE FROM bridge_pending_studies WHERE source = $1 AND orthanc_id = ANY($2)',
        [this.source, changes.settled],
      );
    }
    const known = (changes.known ?? []).filter((k) => k.studyInstanceUid !== '');
    if (known.length > 0) {
      await q.query(
        `INSERT INTO bridge_known_studies (source, study_key, study_instance_uid, patient_key)
         SELECT $1, o, u, p FROM unnest($2::text[], $3::text[], $4::text[]) AS t(o, u, p)
         ON CONFLICT DO NOTHING`,
        [
          this.source,
          known.map((k) => k.studyKey),
          known.map((k) => k.studyInstanceUid),
          known.map((k) => k.patientKey ?? null),
        ],
      );
    }
    if ((changes.jobsDone ?? []).length > 0) {
      await q.query(
        `INSERT INTO bridge_jobs_done (source, job_key) SELECT $1, unnest($2::text[])
         ON CONFLICT DO NOTHING`,
        [this.source, changes.jobsDone],
      );
    }
    const unrecorded = changes.unrecorded ?? [];
    if (unrecorded.length > 0) {
      await q.query(
        `INSERT INTO bridge_unrecorded_sends (source, job_key, reason, job_type, destination_kind,
                                              destination, instances, completed_at)
         SELECT $1, k, r, t, d, n, i, c
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                       $8::timestamptz[]) AS u(k, r, t, d, n, i, c)
         ON CONFLICT DO NOTHING`,
        [
          this.source,
          unrecorded.map((u) => u.jobKey),
          unrecorded.map((u) => u.reason),
          unrecorded.map((u) => u.jobType),
          unrecorded.map((u) => u.destinationKind),
          unrecorded.map((u) => u.destination ?? null),
          unrecorded.map((u) => u.instances ?? null),
          unrecorded.map((u) => u.completedAt ?? null),
        ],
      );
    }
    for (const item of changes.hold ?? []) {
      await q.query(
        `INSERT INTO bridge_held (source, held_key, kind, reason, study_instance_uid, destination,
                                  destination_kind, occurred_at, event_id, data_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (source, held_key) DO UPDATE SET reason = EXCLUDED.reason`,
        [
          this.source,
          item.heldKey,
          item.kind,
          item.reason,
          item.studyInstanceUid,
          item.destination ?? null,
          item.destinationKind ?? null,
          item.occurredAt,
          item.eventId,
          item.dataId,
        ],
      );
    }
    if ((changes.release ?? []).length > 0) {
      await q.query('DELETE FROM bridge_held WHERE source = $1 AND held_key = ANY($2)', [
        this.source,
        changes.release,
      ]);
    }
    if (changes.cursor) {
      await q.query(
        `INSERT INTO bridge_cursors (source, change_seq, journal_offset, updated_at)
         VALUES ($1, COALESCE($2, 0), COALESCE($3, 0), now())
         ON CONFLICT (source) DO UPDATE SET
           change_seq = COALESCE($2, bridge_cursors.change_seq),
           journal_offset = COALESCE($3, bridge_cursors.journal_offset),
           updated_at = now()`,
        [this.source, changes.cursor.changeSeq ?? null, changes.cursor.journalOffset ?? null],
      );
    }
  }

  /** The destinations file as last read, with what Orthanc calls each name (or null). */
  async saveDestinations(
    destinations: BridgeDestinations,
    orthancKinds: ReadonlyMap<string, string>,
  ): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      await tx.query('DELETE FROM bridge_destinations WHERE source = $1', [this.source]);
      for (const [name, d] of destinations) {
        await tx.query(
          `INSERT INTO bridge_destinations (source, name, vendor_id, purpose, legal_basis, agreement_id, orthanc_kind)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            this.source,
            name,
            d.vendorId,
            d.purpose,
            d.legalBasis,
            d.agreementId ?? null,
            orthancKinds.get(name) ?? null,
          ],
        );
      }
    });
  }
}
