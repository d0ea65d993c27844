import type { ConsumedBatch, ConsumedMessage } from '@scantrail/kafka';
import { mapInSlices, OneAtATime } from './one-at-a-time';
import type { Fault } from '@scantrail/config';
import { pendingEntryOf, tooLargeReason } from './pending-entry';
import {
  appendBatch,
  DuplicateConflictStore,
  type DuplicateConflictItem,
  OffsetStore,
  QuarantineStore,
  type LedgerLog,
  type LedgerProjection,
  type PendingEntry,
  type QuarantineItem,
} from '@scantrail/storage';
import type { DataSource, EntityManager } from 'typeorm';

type Prepared =
  | { message: ConsumedMessage; entry: PendingEntry; reason?: undefined }
  | { message: ConsumedMessage; entry?: undefined; reason: string; fault?: Fault };

export interface BatchOutcome {
  recorded: number;
  duplicates: number;
  quarantined: QuarantineItem[];
  /** Last ledger sequence written, if any. */
  lastSequence?: number;
  /** Duplicates with other content than the entry kept under their (source, id). */
  conflicts?: DuplicateConflictItem[];
  /** Where our own code failed on messages it quarantined as unprocessable, for the log. */
  faults?: { partition: number; offset: string; fault: Fault }[];
}

/** A message of the batch refused with `reason`, as the quarantine stores it. */
function quarantineItem(
  batch: ConsumedBatch,
  message: ConsumedMessage,
  reason: string,
): QuarantineItem {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    reason,
    key: message.key,
    value: message.value,
  };
}

/** Messages decoded between two yields to the event loop (about 10 ms of work). */
const PREPARE_SLICE = 200;

/**
 * Turns one Kafka batch into ledger entries, read-model rows, quarantine rows and the
 * partition's next offset, all in ONE PostgreSQL transaction: either all of it happened
 * or none of it did, so a crash anywhere replays the batch with the same effect. Batches
 * of several partitions may be given at once: they are decoded one after another, each
 * while the batch before it is in PostgreSQL, and their transactions take turns.
 */
export class BatchRecorder {
  private readonly quarantine = new QuarantineStore();
  private readonly conflicts = new DuplicateConflictStore();
  /** One batch decoded at a time, so that the first one given reaches PostgreSQL first. */
  private readonly decoding = new OneAtATime();
  private readonly turns = new OneAtATime();

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: LedgerLog,
    private readonly offsets: OffsetStore,
    private readonly projection: LedgerProjection,
    private readonly pseudonymKey: Buffer,
  ) {}

  async record(batch: ConsumedBatch): Promise<BatchOutcome> {
    // Decoding, validation, pseudonyms and digests need no database, so they happen before
    // the transaction opens (while another batch's transaction waits on PostgreSQL): its
    // connection and partition lock are held for SQL, numbering and hashing only.
    const prepared = await this.decoding.run(() =>
      mapInSlices(batch.messages, (message) => this.prepare(message), PREPARE_SLICE),
    );
    return this.turns.run(() => this.transaction(batch, prepared));
  }

  private transaction(batch: ConsumedBatch, prepared: Prepared[]): Promise<BatchOutcome> {
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      const next = await this.offsets.lockPartition(manager, batch.partition);
      const fresh = prepared.filter((p) => BigInt(p.message.offset) >= next);
      const outcome: BatchOutcome = { recorded: 0, duplicates: 0, quarantined: [] };
      if (fresh.length === 0) return outcome;

      const pending: PendingEntry[] = [];
      const messageOf = new Map<PendingEntry, ConsumedMessage>();
      const quarantine = (message: ConsumedMessage, reason: string): void => {
        outcome.quarantined.push(quarantineItem(batch, message, reason));
      };
      for (const p of fresh) {
        if (p.entry === undefined) {
          quarantine(p.message, p.reason);
          if (p.fault !== undefined) {
            (outcome.faults ??= []).push({
              partition: batch.partition,
              offset: p.message.offset,
              fault: p.fault,
            });
          }
          continue;
        }
        pending.push(p.entry);
        messageOf.set(p.entry, p.message);
      }

      const { appended, duplicates, oversized, conflicts } = await appendBatch(
        manager,
        this.log,
        pending,
      );
      const conflicting = await conflictItems(manager, batch, conflicts, messageOf);
      outcome.conflicts = conflicting;
      for (const { entry, leafBytes } of oversized) {
        const message = messageOf.get(entry);
        if (message === undefined) throw new Error('an oversized entry without its message');
        quarantine(message, tooLargeReason(leafBytes));
      }
      // Quarantine rows in offset order, whichever check refused them.
      outcome.quarantined.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
      await this.projection.project(manager, appended);
      await this.quarantine.add(manager, outcome.quarantined);
      await this.conflicts.add(manager, conflicting);
      const last = fresh[fresh.length - 1].message;
      await this.offsets.store(manager, batch.partition, BigInt(last.offset) + 1n);
      outcome.recorded = appended.length;
      outcome.duplicates = duplicates;
      outcome.lastSequence = appended.at(-1)?.sequence;
      return outcome;
    });
  }

  /** A message as the ledger would record it, or why it is refused. */
  private prepare(message: ConsumedMessage): Prepared {
    const prepared = pendingEntryOf(message.value, this.pseudonymKey);
    return 'entry' in prepared
      ? { message, entry: prepared.entry }
      : { message, reason: prepared.reason, fault: prepared.fault };
  }

  /**
   * Quarantines one message with `reason` and moves the partition past it, in one
   * transaction, without recording anything of it: for a message the database refused.
   */
  quarantineOne(
    batch: ConsumedBatch,
    message: ConsumedMessage,
    reason: string,
  ): Promise<BatchOutcome> {
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      const next = await this.offsets.lockPartition(manager, batch.partition);
      const outcome: BatchOutcome = { recorded: 0, duplicates: 0, quarantined: [] };
      // Already recorded by an earlier transaction: nothing to do.
      if (BigInt(message.offset) < next) return outcome;
      outcome.quarantined.push(quarantineItem(batch, message, reason));
      await this.quarantine.add(manager, outcome.quarantined);
      await this.offsets.store(manager, batch.partition, BigInt(message.offset) + 1n);
      return outcome;
    });
  }
}

/**
 * What is kept of each conflicting duplicate: its coordinates, its event's identity, the
 * digest of its bytes and the entry it did not replace. appendBatch names that entry for a
 * copy of one recorded before; for a copy of an earlier message of this batch it is looked
 * up once the batch is appended: that message, recorded now (none when it turned out too
 * large at its sequence, within a few bytes of the limit).
 */
async function conflictItems(
  manager: EntityManager,
  batch: ConsumedBatch,
  conflicts: readonly { entry: PendingEntry; recordedSequence?: number }[],
  messageOf: ReadonlyMap<PendingEntry, ConsumedMessage>,
): Promise<DuplicateConflictItem[]> {
  if (conflicts.length === 0) return [];
  const unresolved = conflicts.filter((c) => c.recordedSequence === undefined);
  const kept = new Map<string, number>();
  if (unresolved.length > 0) {
    const rows = await manager.query<{ source: string; event_id: string; sequence: string }[]>(
      `SELECT e.source, e.event_id, e.sequence::text AS sequence FROM ledger_entries e
         JOIN unnest($1::text[], $2::text[]) AS u(source, event_id)
           ON e.source = u.source AND e.event_id = u.event_id`,
      [unresolved.map((c) => c.entry.source), unresolved.map((c) => c.entry.id)],
    );
    for (const r of rows) kept.set(`${r.source}\u0000${r.event_id}`, Number(r.sequence));
  }
  return conflicts.map(({ entry, recordedSequence }) => {
    const message = messageOf.get(entry);
    if (message === undefined) throw new Error('a conflicting duplicate without its message');
    return {
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      source: bounded(entry.source, KEPT_TEXT),
      eventId: bounded(entry.id, KEPT_TEXT),
      eventType: entry.type,
      eventTime: bounded(entry.time, KEPT_TIME),
      recordedSequence: recordedSequence ?? kept.get(`${entry.source}\u0000${entry.id}`) ?? null,
      payloadDigest: entry.payloadDigest,
    };
  });
}

/**
 * How much of a refused copy's source and id, and of its time, is kept: a copy is never
 * checked against the entry size (it is not recorded), and an RFC 3339 time may carry any
 * number of fraction digits, so one message could otherwise leave a row of a megabyte for
 * every page of duplicateConflicts to carry. Real ones are far shorter; a longer one is cut,
 * ending in an ellipsis.
 */
const KEPT_TEXT = 512;
const KEPT_TIME = 64;

function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  // Not between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[max - 2]) ? max - 2 : max - 1;
  return `${text.slice(0, end)}\u2026`;
}
