import { recordDigest, type ConsumedBatch, type ConsumedMessage } from '@scantrail/kafka';
import { mapInSlices, OneAtATime } from './one-at-a-time';
import type { Fault } from '@scantrail/config';
import { pendingEntryOf, tooLargeReason, tooManyHeadersReason } from './pending-entry';
import {
  appendBatch,
  DuplicateConflictStore,
  type DuplicateConflictItem,
  isAppendOrderWait,
  isLedgerLockWait,
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
  /**
   * Messages below the partition's stored offset, so handled by an earlier transaction and
   * skipped: one whose COMMIT succeeded but whose reply was lost (the batch is retried), or
   * another instance's before a rebalance gave this one the partition.
   */
  alreadyHandled?: number;
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
 * Bytes of messages one transaction takes in at most when it records several partitions'
 * batches together: the default fetch size of a partition (INGEST_BATCH_BYTES), so that a
 * transaction holds no more than one full batch does. Full batches go alone.
 */
export const GROUP_BYTES = 2 * 1024 * 1024;

export interface BatchRecorderOptions {
  /** Message bytes up to which batches of several partitions share a transaction. */
  groupBytes?: number;
}

/** A batch handed to record(): decoded (prepared) or still decoding. */
interface InHand {
  batch: ConsumedBatch;
  bytes: number;
  prepared?: Prepared[];
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

/** One batch's share of a transaction. */
interface Part {
  batch: ConsumedBatch;
  fresh: Prepared[];
  pending: PendingEntry[];
  outcome: BatchOutcome;
}

/**
 * Turns Kafka batches into ledger entries, read-model rows, quarantine rows and each
 * partition's next offset, in PostgreSQL transactions: a batch's rows and its partition's
 * offset commit together or not at all, so a crash anywhere replays the batch with the same
 * effect. Batches of several partitions may be given at once: they are decoded one after
 * another, each while the transaction before it is in PostgreSQL, and their transactions take
 * turns. Small batches waiting for their turn together share one transaction (up to
 * `groupBytes` of messages, one batch a partition): a transaction's fixed cost (its round
 * trips, the ledger lock, the read models' statements) is then paid once for them, which is
 * what bounds the commit's latency at a steady rate. Full batches go one a transaction.
 */
export class BatchRecorder {
  private readonly quarantine = new QuarantineStore();
  private readonly conflicts = new DuplicateConflictStore();
  /** One batch decoded at a time, so that the first one given reaches PostgreSQL first. */
  private readonly decoding = new OneAtATime();
  /** Batches given and not yet recorded, in the order given. */
  private readonly inHand: InHand[] = [];
  private inTurn = false;
  /** Partitions whose last transaction failed: recorded alone until one succeeds. */
  private readonly failing = new Set<number>();
  private readonly groupBytes: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: LedgerLog,
    private readonly offsets: OffsetStore,
    private readonly projection: LedgerProjection,
    private readonly pseudonymKey: Buffer,
    options: BatchRecorderOptions = {},
  ) {
    this.groupBytes = options.groupBytes ?? GROUP_BYTES;
  }

  record(batch: ConsumedBatch): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      const hand: InHand = { batch, bytes: bytesOf(batch), resolve, reject };
      this.inHand.push(hand);
      // Decoding, validation, pseudonyms and digests need no database, so they happen
      // before the transaction opens (while another batch's transaction waits on
      // PostgreSQL): its connection and partition lock are held for SQL, numbering and
      // hashing only.
      void this.decoding
        .run(() => mapInSlices(batch.messages, (message) => this.prepare(message), PREPARE_SLICE))
        .then(
          (prepared) => {
            hand.prepared = prepared;
          },
          (error: unknown) => {
            this.inHand.splice(this.inHand.indexOf(hand), 1);
            hand.reject(error);
          },
        )
        .finally(() => void this.takeTurns());
    });
  }

  /** Records the batches in hand, a transaction at a time, until none is ready. */
  private async takeTurns(): Promise<void> {
    if (this.inTurn) return;
    this.inTurn = true;
    try {
      for (let group = this.nextGroup(); group; group = this.nextGroup()) {
        await this.recordGroup(group);
      }
    } finally {
      this.inTurn = false;
    }
  }

  /**
   * The batches of the next transaction: the first in hand, once decoded, and those given
   * after it that fit in groupBytes with it, of other partitions (none of them failing);
   * undefined while one of them is still decoding (small: its decoding ends soon, and takes
   * the turn then).
   */
  private nextGroup(): InHand[] | undefined {
    const first = this.inHand[0];
    if (first?.prepared === undefined) return undefined;
    if (this.failing.has(first.batch.partition)) return this.inHand.splice(0, 1);
    const partitions = new Set([first.batch.partition]);
    let bytes = first.bytes;
    let count = 1;
    for (; count < this.inHand.length; count++) {
      const next = this.inHand[count];
      if (
        next.batch.topic !== first.batch.topic ||
        partitions.has(next.batch.partition) ||
        this.failing.has(next.batch.partition) ||
        bytes + next.bytes > this.groupBytes
      ) {
        break;
      }
      if (next.prepared === undefined) return undefined;
      partitions.add(next.batch.partition);
      bytes += next.bytes;
    }
    return this.inHand.splice(0, count);
  }

  /**
   * One transaction for the group. When it fails, for whatever reason, each batch is recorded
   * alone, so that only the batches that fail alone fail: one holding a message PostgreSQL
   * refuses (split by BatchSplittingRecorder), or one whose partition cannot commit (its
   * offset row refused, locked by another session): the other partitions are recorded, never
   * retried for it (issue 10). A partition whose batch failed goes alone until one succeeds,
   * so that its retries do not fail the others' transactions again. A wait for a lock
   * another session holds that ran out is every batch's that needs that lock, though: alone
   * each would wait as long again (the first partition told after two waits, the last after
   * one more a batch: longer than the consumer's session lasts without a batch ending).
   * Those fail with it at once, and no partition is made to go alone for it; the others are
   * recorded alone (waitingAgain).
   */
  private async recordGroup(group: InHand[]): Promise<void> {
    let alone = group;
    if (group.length > 1) {
      try {
        const outcomes = await this.transaction(group);
        group.forEach((hand, i) => hand.resolve(outcomes[i]));
        return;
      } catch (error) {
        const waits = waitingAgain(error);
        if (waits !== undefined) {
          for (const hand of group.filter(waits)) hand.reject(error);
          alone = group.filter((hand) => !waits(hand));
        }
        // Each alone, below: their own errors are the ones to report.
      }
    }
    for (const hand of alone) {
      try {
        const [outcome] = await this.transaction([hand]);
        this.failing.delete(hand.batch.partition);
        hand.resolve(outcome);
      } catch (error) {
        this.failing.add(hand.batch.partition);
        hand.reject(error);
      }
    }
  }

  private transaction(group: readonly InHand[]): Promise<BatchOutcome[]> {
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      // The partitions' offset rows, locked in partition order: two sessions locking some
      // of the same partitions (a rebalance) wait for each other and cannot deadlock.
      const next = await this.offsets.lockPartitions(
        manager,
        group.map((h) => h.batch.partition),
      );
      const parts: Part[] = group.map(({ batch, prepared }) => {
        const from = next.get(batch.partition) ?? 0n;
        const fresh = (prepared ?? []).filter((p) => BigInt(p.message.offset) >= from);
        const alreadyHandled = (prepared ?? []).length - fresh.length;
        return {
          batch,
          fresh,
          pending: [],
          outcome: { recorded: 0, duplicates: 0, quarantined: [], alreadyHandled },
        };
      });
      if (parts.every((part) => part.fresh.length === 0)) return parts.map((p) => p.outcome);

      const pending: PendingEntry[] = [];
      const messageOf = new Map<PendingEntry, ConsumedMessage>();
      const partOf = new Map<PendingEntry, Part>();
      for (const part of parts) {
        for (const p of part.fresh) {
          if (p.entry === undefined) {
            part.outcome.quarantined.push(quarantineItem(part.batch, p.message, p.reason));
            if (p.fault !== undefined) {
              (part.outcome.faults ??= []).push({
                partition: part.batch.partition,
                offset: p.message.offset,
                fault: p.fault,
              });
            }
            continue;
          }
          part.pending.push(p.entry);
          pending.push(p.entry);
          messageOf.set(p.entry, p.message);
          partOf.set(p.entry, part);
        }
      }

      const { appended, oversized, conflicts } = await appendBatch(manager, this.log, pending);
      for (const part of parts) {
        part.outcome.conflicts = await conflictItems(
          manager,
          part.batch,
          conflicts.filter((c) => partOf.get(c.entry) === part),
          messageOf,
        );
      }
      const tooLarge = new Set<PendingEntry>();
      for (const { entry, leafBytes } of oversized) {
        const message = messageOf.get(entry);
        const part = partOf.get(entry);
        if (message === undefined || part === undefined) {
          throw new Error('an oversized entry without its message');
        }
        tooLarge.add(entry);
        part.outcome.quarantined.push(
          quarantineItem(part.batch, message, tooLargeReason(leafBytes)),
        );
      }
      // Each appended entry to its batch: the first entry of its (source, id) that was not
      // refused as too large is the one appendBatch recorded (later copies are duplicates).
      const recorder = new Map<string, Part>();
      for (const entry of pending) {
        const key = `${entry.source}\u0000${entry.id}`;
        if (!tooLarge.has(entry) && !recorder.has(key))
          recorder.set(key, partOf.get(entry) as Part);
      }
      for (const entry of appended) {
        const part = recorder.get(`${entry.source}\u0000${entry.id}`);
        if (part === undefined) throw new Error('an appended entry without its batch');
        part.outcome.recorded += 1;
        part.outcome.lastSequence = entry.sequence;
      }
      for (const part of parts) {
        const refused = part.pending.filter((entry) => tooLarge.has(entry)).length;
        part.outcome.duplicates = part.pending.length - part.outcome.recorded - refused;
        // Quarantine rows in offset order, whichever check refused them.
        part.outcome.quarantined.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
      }
      await this.projection.project(manager, appended);
      await this.quarantine.add(
        manager,
        parts.flatMap((part) => part.outcome.quarantined),
      );
      await this.conflicts.add(
        manager,
        parts.flatMap((part) => part.outcome.conflicts ?? []),
      );
      for (const part of parts) {
        if (part.fresh.length === 0) continue;
        const last = part.fresh[part.fresh.length - 1].message;
        await this.offsets.store(
          manager,
          part.batch.partition,
          BigInt(last.offset) + 1n,
          recordDigest(last),
        );
      }
      return parts.map((part) => part.outcome);
    });
  }

  /** A message as the ledger would record it, or why it is refused. */
  private prepare(message: ConsumedMessage): Prepared {
    const headers = tooManyHeadersReason(message.headerCount);
    if (headers !== undefined) return { message, reason: headers };
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
      // Already handled by an earlier transaction: nothing to do.
      if (BigInt(message.offset) < next) return { ...outcome, alreadyHandled: 1 };
      outcome.quarantined.push(quarantineItem(batch, message, reason));
      await this.quarantine.add(manager, outcome.quarantined);
      await this.offsets.store(
        manager,
        batch.partition,
        BigInt(message.offset) + 1n,
        recordDigest(message),
      );
      return outcome;
    });
  }
}

/**
 * When `error` is a lock wait that ran out because another session holds the lock: which
 * batches of the group would wait for it again alone. The ledger's lock: every batch with
 * an entry to append. A history table's append lock (isAppendOrderWait): every batch that
 * quarantines a message refused before the transaction; a batch whose only quarantined
 * message is one too large at its sequence, or whose only history row is a re-used id's
 * conflict, is not known before and waits once more alone. Otherwise undefined.
 */
function waitingAgain(error: unknown): ((hand: InHand) => boolean) | undefined {
  if (isLedgerLockWait(error)) {
    return (hand) => (hand.prepared ?? []).some((p) => p.entry !== undefined);
  }
  if (isAppendOrderWait(error)) {
    return (hand) => (hand.prepared ?? []).some((p) => p.entry === undefined);
  }
  return undefined;
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

/** The bytes of a batch's messages (keys and values), as fetched. */
function bytesOf(batch: ConsumedBatch): number {
  let bytes = 0;
  for (const m of batch.messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
  return bytes;
}
