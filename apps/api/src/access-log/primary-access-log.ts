import {
  AccessLogService,
  type AccessLogPage,
  type AccessLogPosition,
  type AccessRecord,
} from '@scantrail/access';
import { rows } from '@scantrail/queries';
import type { DataSource } from 'typeorm';

/**
 * The access log on the primary database, whatever connection the caller holds: with
 * READ_DATABASE_URL a lookup reads from a hot standby, which cannot be written, and the
 * record of who looked must be written (and read back) where it is kept. The records' insert
 * goes as a named prepared statement (`rows`), parsed and planned once per connection.
 */
export class PrimaryAccessLog extends AccessLogService {
  constructor(private readonly primary: DataSource) {
    super((_db, sql, parameters) => rows(primary, sql, parameters));
  }

  override record(_db: unknown, record: AccessRecord): Promise<void> {
    return super.record(this.primary, record);
  }

  override page(
    _db: unknown,
    after: AccessLogPosition | undefined,
    limit: number,
    settleWaitMs?: number,
  ): Promise<AccessLogPage> {
    return super.page(this.primary, after, limit, settleWaitMs);
  }

  override xidOf(_db: unknown, id: number): Promise<number | undefined> {
    return super.xidOf(this.primary, id);
  }

  override count(_db: unknown): Promise<number> {
    return super.count(this.primary);
  }
}
