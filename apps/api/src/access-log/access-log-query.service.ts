import type {
  AccessLogEntry,
  AccessLogPosition,
  AccessLogService,
  Viewer,
} from '@scantrail/access';
import {
  CursorCodec,
  InvalidArgumentError,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/queries';
import type { Logger } from 'pino';

/** [transaction id, id]: a record's place in the log's commit order (AccessLogPosition). */
const CURSOR = new CursorCodec('accessLog', ['number', 'number'] as const);
/** The id alone: cursors given before migration 1764114000000, when the log went by id. */
const ID_CURSOR = new CursorCodec('accessLog', ['number'] as const);

/** The access log, oldest first (in commit order), for privacy officers only. */
export class AccessLogQueryService {
  constructor(
    private readonly db: Queryable,
    private readonly accessLog: AccessLogService,
    private readonly logger?: Logger,
  ) {}

  async page(viewer: Viewer, args: PageArgs): Promise<Page<AccessLogEntry>> {
    viewer.require('access-log', 'accessLog');
    const size = pageSize(args.first);
    const after = await this.positionAfter(args.after);
    const { entries, heldBack } = await this.accessLog.page(this.db, after, size + 1);
    if (heldBack) {
      this.logger?.warn(
        { afterXid: entries.at(-1)?.xid ?? after?.xid ?? 0 },
        'accessLog answered without its newest records: a transaction of this database that began writing before them is still running; they show on a later read, after this page. Look in pg_stat_activity for a long transaction (xact_start, backend_xid) and end it',
      );
    }
    const total = (): Promise<number> => this.accessLog.count(this.db);
    return toPage(
      entries,
      size,
      (e) => CURSOR.encode([e.xid, e.id]),
      (e) => e,
      total,
    );
  }

  /**
   * Where `after` points. A cursor of the former id order points at a record written before
   * the migration (transaction id 0, ordered by id) or after it: the first is the same place
   * in the new order; the second has none (records of lower transaction ids but higher ids
   * came after it in the old order), so the client starts again.
   */
  private async positionAfter(
    after: string | null | undefined,
  ): Promise<AccessLogPosition | undefined> {
    if (after === null || after === undefined) return undefined;
    let id: number;
    try {
      [id] = ID_CURSOR.decode(after);
    } catch {
      const [xid, id] = CURSOR.decode(after);
      if (xid < 0) throw CURSOR.refusal();
      return { xid, id };
    }
    const xid = await this.accessLog.xidOf(this.db, id);
    if (xid === undefined) throw CURSOR.refusal(); // no record of that id: not one it gave
    if (xid !== 0) {
      throw new InvalidArgumentError(
        'after: an accessLog cursor of its former id order, given after the log went to commit order: page again from the start (without after)',
      );
    }
    return { xid, id };
  }
}
