import type { Viewer } from '@scantrail/access';
import {
  CursorCodec,
  pageOf,
  pageSize,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/queries';
import type { GapKind, IngestGap, IngestGapStore } from '@scantrail/storage';

export type IngestGapView = Omit<IngestGap, 'id' | 'groupId'> & { consumerGroup: string };

const CURSOR = new CursorCodec('ingest-gaps', ['number'] as const);

/**
 * What Kafka no longer held when the ingest came to read it (ingest_gaps): messages deleted
 * before they were read, and stored positions moved, newest first. For the roles that read
 * the quarantine (privacy officers, auditors): offsets and counts of the hospital's topic,
 * not a vendor's business.
 */
export class IngestGapsQueryService {
  constructor(
    private readonly db: Queryable,
    private readonly store: IngestGapStore,
  ) {}

  async page(
    viewer: Viewer,
    args: PageArgs & { kind?: GapKind | null },
  ): Promise<Page<IngestGapView>> {
    viewer.require('quarantine', 'ingestGaps');
    const size = pageSize(args.first);
    const beforeId = CURSOR.after(args.after)?.[0];
    const { gaps, more, total } = await this.store.page(
      this.db,
      beforeId,
      size,
      args.kind ?? undefined,
    );
    const edges = gaps.map(({ id, groupId, ...gap }) => ({
      cursor: CURSOR.encode([id]),
      node: { ...gap, consumerGroup: groupId },
    }));
    return pageOf(edges, more, total);
  }
}
