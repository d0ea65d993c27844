import type { Viewer } from '@scantrail/access';
import {
  CursorCodec,
  pageSize,
  toPage,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/lineage';
import type { QuarantinedMessage, QuarantineStore } from '@scantrail/storage';
import { maskPatientIdentifiers } from './patient-identifier.mask';

export interface QuarantinedMessageView {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  receivedAt: Date;
  rawBase64: string;
}

const CURSOR = new CursorCodec('quarantine', ['number'] as const);

/**
 * Refused messages, oldest first; not for vendors (raw bytes may hold anything). Only a
 * role allowed clear identifiers gets the bytes untouched; others get patient
 * identifier values masked (see maskPatientIdentifiers).
 */
export class QuarantineQueryService {
  constructor(
    private readonly db: Queryable,
    private readonly store: QuarantineStore,
  ) {}

  async page(viewer: Viewer, args: PageArgs): Promise<Page<QuarantinedMessageView>> {
    viewer.require('quarantine', 'quarantine');
    const size = pageSize(args.first);
    const afterId =
      args.after === null || args.after === undefined ? 0 : CURSOR.decode(args.after)[0];
    const fetched = await this.store.page(this.db, afterId, size + 1);
    const total = (): Promise<number> => this.store.count(this.db);
    const clear = viewer.can('clear-identifiers');
    return toPage(
      fetched,
      size,
      (m) => CURSOR.encode([m.id]),
      (m) => toView(m, clear),
      total,
    );
  }
}

function toView(m: QuarantinedMessage, clear: boolean): QuarantinedMessageView {
  const raw =
    m.value === null ? Buffer.alloc(0) : clear ? m.value : maskPatientIdentifiers(m.value);
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    reason: m.reason,
    receivedAt: m.receivedAt,
    rawBase64: raw.toString('base64'),
  };
}
