import {
  AccessLogService,
  type AccessLogEntry,
  type AccessRecord,
  type RecordedRead,
} from '@scantrail/access';
import type { Queryable } from '@scantrail/storage';
import type { DataSource } from 'typeorm';

/**
 * The access log on the primary database, whatever connection the caller holds: with
 * READ_DATABASE_URL a lookup reads from a hot standby, which cannot be written, and the
 * record of who looked must be written (and read back) where it is kept.
 */
export class PrimaryAccessLog extends AccessLogService {
  constructor(private readonly primary: DataSource) {
    super();
  }

  /** In the read's own statement only when the read goes to the primary too. */
  override recordingRead(
    db: Queryable,
    record: AccessRecord,
    read: RecordedRead,
  ): RecordedRead | undefined {
    return db === this.primary ? super.recordingRead(db, record, read) : undefined;
  }

  override record(_db: unknown, record: AccessRecord): Promise<AccessLogEntry> {
    return super.record(this.primary, record);
  }

  override page(_db: unknown, afterId: number, limit: number): Promise<AccessLogEntry[]> {
    return super.page(this.primary, afterId, limit);
  }

  override count(_db: unknown): Promise<number> {
    return super.count(this.primary);
  }
}
