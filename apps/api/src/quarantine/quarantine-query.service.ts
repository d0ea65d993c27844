import type { Viewer } from '@scantrail/access';
import {
  CursorCodec,
  pageOf,
  pageSize,
  type Page,
  type PageArgs,
  type Queryable,
} from '@scantrail/queries';
import type { QuarantinedMessage, QuarantineStore } from '@scantrail/storage';
import { createHash } from 'node:crypto';
import { redactQuarantinedMessage, redactReason } from './patient-value.redaction';

/** What `rawBase64` holds for the viewer (see QuarantinedMessageType). */
export type QuarantineRawForm = 'AS_RECEIVED' | 'REDACTED_JSON' | 'WITHHELD';

export interface QuarantinedMessageView {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  receivedAt: Date;
  rawBase64: string;
  rawForm: QuarantineRawForm;
  rawEncoding: string | null;
  byteLength: number;
  sha256: string;
}

const CURSOR = new CursorCodec('quarantine', ['number'] as const);

/**
 * Refused messages, oldest first; not for vendors (raw bytes may hold anything). Only a
 * role allowed clear identifiers gets the bytes as received; others get the message
 * parsed and every patient value redacted, or nothing of it when it does not parse (see
 * redactQuarantinedMessage). Everyone gets its length and SHA-256, reason and coordinates.
 * A page holds at most `first` messages and at most API_QUARANTINE_PAGE_BYTES of their raw
 * bytes (at least one message, however large), so a few large messages cannot make one
 * answer huge; pageInfo continues after the last message given.
 */
export class QuarantineQueryService {
  constructor(
    private readonly db: Queryable,
    private readonly store: QuarantineStore,
    private readonly maxPageBytes: number,
  ) {}

  async page(viewer: Viewer, args: PageArgs): Promise<Page<QuarantinedMessageView>> {
    viewer.require('quarantine', 'quarantine');
    const size = pageSize(args.first);
    const afterId = CURSOR.after(args.after)?.[0] ?? 0;
    const { messages, more } = await this.store.page(this.db, afterId, size, this.maxPageBytes);
    const clear = viewer.can('clear-identifiers');
    const edges = messages.map((m) => ({ cursor: CURSOR.encode([m.id]), node: toView(m, clear) }));
    return pageOf(edges, more, () => this.store.count(this.db));
  }
}

export function toView(m: QuarantinedMessage, clear: boolean): QuarantinedMessageView {
  const raw = m.value ?? Buffer.alloc(0);
  const known = {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    reason: m.reason,
    receivedAt: m.receivedAt,
    byteLength: raw.length,
    sha256: createHash('sha256').update(raw).digest('hex'),
  };
  if (clear || raw.length === 0) {
    return {
      ...known,
      rawBase64: raw.toString('base64'),
      rawForm: 'AS_RECEIVED',
      rawEncoding: null,
    };
  }
  const redacted = redactQuarantinedMessage(raw);
  if (redacted.kind === 'withheld') {
    return { ...known, rawBase64: '', rawForm: 'WITHHELD', rawEncoding: null };
  }
  return {
    ...known,
    reason: redactReason(m.reason, raw),
    rawBase64: Buffer.from(redacted.json, 'utf8').toString('base64'),
    rawForm: 'REDACTED_JSON',
    rawEncoding: redacted.encoding,
  };
}
