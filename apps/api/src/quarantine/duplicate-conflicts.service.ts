import type { Viewer } from '@scantrail/access';
import {
  CursorCodec,
  pageOf,
  pageSize,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/queries';
import type { DuplicateConflictStore, KeptDuplicateConflict } from '@scantrail/storage';

export type DuplicateConflictView = Omit<KeptDuplicateConflict, 'id'>;

const CURSOR = new CursorCodec('duplicate-conflicts', ['number'] as const);

/**
 * Messages the ingest dropped because their event's (source, id) was recorded with other
 * content: attempts to rewrite a recorded event, oldest first. For the roles that read the
 * quarantine (they are refused messages too); the bytes are not kept, only their SHA-256.
 */
export class DuplicateConflictsService {
  constructor(
    private readonly db: Queryable,
    private readonly store: DuplicateConflictStore,
  ) {}

  async page(viewer: Viewer, args: PageArgs): Promise<Page<DuplicateConflictView>> {
    viewer.require('quarantine', 'duplicateConflicts');
    const size = pageSize(args.first);
    const afterId = CURSOR.after(args.after)?.[0] ?? 0;
    const { conflicts, more } = await this.store.page(this.db, afterId, size);
    const edges = conflicts.map(({ id, ...view }) => ({ cursor: CURSOR.encode([id]), node: view }));
    return pageOf(edges, more, () => this.store.count(this.db));
  }
}
