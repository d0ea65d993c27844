import type { AccessLogEntry, AccessLogService, Viewer } from '@scantrail/access';
import {
  CursorCodec,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/queries';

const CURSOR = new CursorCodec('accessLog', ['number'] as const);

/** The access log, oldest first, for privacy officers only. */
export class AccessLogQueryService {
  constructor(
    private readonly db: Queryable,
    private readonly accessLog: AccessLogService,
  ) {}

  async page(viewer: Viewer, args: PageArgs): Promise<Page<AccessLogEntry>> {
    viewer.require('access-log', 'accessLog');
    const size = pageSize(args.first);
    const afterId = CURSOR.after(args.after)?.[0] ?? 0;
    const fetched = await this.accessLog.page(this.db, afterId, size + 1);
    const total = (): Promise<number> => this.accessLog.count(this.db);
    return toPage(
      fetched,
      size,
      (e) => CURSOR.encode([e.id]),
      (e) => e,
      total,
    );
  }
}
