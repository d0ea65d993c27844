import type { PartitionProgress } from '@scantrail/kafka';
import type { FindingsFreshness } from '@scantrail/queries';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics read at scrape time from the running consumer. */
export interface ConsumerProgressSource {
  progress(): PartitionProgress[];
  stalled(stallMs: number): PartitionProgress[];
}

/**
 * The ingest's Prometheus registry (its own, so that several ingests in one test process
 * do not collide): process metrics, messages by outcome, and per partition the consumer
 * lag, failed batch attempts (retries) and whether it is stalled; and how far the findings
 * worker is behind the ledger.
 */
/** The quarantine reasons' categories (the text before the first colon) the ingest writes. */
const QUARANTINE_CATEGORIES = new Set([
  'empty',
  'too_large',
  'not_utf8',
  'not_json',
  'too_deep',
  'duplicate_key',
  'not_cloudevent',
  'unknown_type',
  'invalid_data',
  'rejected_by_database',
  'unprocessable',
  'too_many_headers',
]);

/** A reason's category for the metric's label: one of the known ones, else `other`. */
export function quarantineCategory(reason: string): string {
  const category = reason.split(':', 1)[0];
  return QUARANTINE_CATEGORIES.has(category) ? category : 'other';
}

export class IngestMetrics {
  readonly registry = new Registry();
  readonly messages: Counter<'outcome'>;
  /** Quarantined messages by their reason's category (an alert on `unprocessable`: a fault of ours). */
  readonly quarantined: Counter<'category'>;
  readonly duplicateConflicts: Counter;
  /** Appends that gave up waiting for the ledger's lock (another session held it), then retried. */
  readonly ledgerLockWaits: Counter;
  /** Batches that waited APPEND_ORDER_WAIT for a history table's append lock, then were retried. */
  readonly appendOrderWaits: Counter;
  /** Connections to INGEST_PORT closed as they opened: their address held its share. */
  readonly connectionsRefused: Counter;
  /** Connections to /health and /metrics closed because their client did not read, by reason. */
  readonly slowReadersReleased: Counter<'reason'>;
  /** Consumer crashes on a record batch that cannot be decompressed, by codec. */
  readonly undecodableBatches: Counter<'codec'>;
  /** Stored positions moved to the log's earliest offset, by partition and cause. */
  readonly positionResets: Counter<'partition' | 'cause'>;
  /** Messages Kafka deleted before the ingest read them, by partition. */
  readonly unreadMessagesLost: Counter<'partition'>;

  constructor(
    consumer: ConsumerProgressSource,
    stallMs: number,
    findings: {
      freshness(): Promise<FindingsFreshness>;
      failures(): number;
      lockWaits(): number;
    },
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.messages = new Counter({
      name: 'scantrail_ingest_messages_total',
      help: "Kafka messages handled, by outcome (recorded, duplicate, quarantined; already_handled: below the partition's stored offset, handled by an earlier transaction whose reply was lost or by another instance before a rebalance).",
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.quarantined = new Counter({
      name: 'scantrail_ingest_quarantined_total',
      help: 'Messages quarantined, by the category of their reason (not_json, invalid_data, too_large, rejected_by_database, unprocessable: a fault of the ingest itself, ...).',
      labelNames: ['category'],
      registers: [this.registry],
    });
    this.duplicateConflicts = new Counter({
      name: 'scantrail_ingest_duplicate_conflicts_total',
      help: 'Duplicates (counted among the messages of outcome duplicate) whose content differs from the entry recorded under their (source, id): the first stays; a producer re-used an event id.',
      registers: [this.registry],
    });
    this.ledgerLockWaits = new Counter({
      name: 'scantrail_ingest_ledger_lock_waits_total',
      help: 'Batch appends that waited LEDGER_LOCK_WAIT_MS for the ledger lock held by another session, then were retried.',
      registers: [this.registry],
    });
    this.appendOrderWaits = new Counter({
      name: 'scantrail_ingest_append_order_waits_total',
      help: 'Batches that waited 10 s for the append lock of the quarantine or the re-used event ids, held by another session that appended and did not end its transaction, then were retried.',
      registers: [this.registry],
    });
    this.connectionsRefused = new Counter({
      name: 'scantrail_ingest_connections_refused_total',
      help: 'Connections to the /health and /metrics port closed as they opened: their address already held HEALTH_CONNECTIONS_PER_ADDRESS.',
      registers: [this.registry],
    });
    this.slowReadersReleased = new Counter({
      name: 'scantrail_ingest_slow_readers_released_total',
      help: 'Connections to the /health and /metrics port closed because their client did not read its answer: stalled (no byte taken for 30 s) or over_budget (16 MiB of answers waiting).',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.undecodableBatches = new Counter({
      name: 'scantrail_ingest_undecodable_batches_total',
      help: 'Record batches refused as undecodable (corrupt, or decompressing past INGEST_MAX_DECOMPRESSED_BYTES), by codec, each once per process. KafkaJS cannot skip a batch: its partition waits at it, the others go on (see /health undecodableBatch).',
      labelNames: ['codec'],
      registers: [this.registry],
    });
    this.positionResets = new Counter({
      name: 'scantrail_ingest_position_resets_total',
      help: "Stored partition positions moved to the log's earliest offset because the log no longer holds what they say was read, by cause: log_end_before_position (the topic created again, or its log truncated), record_changed (the topic created again and grown past the position), deleted_unread (messages deleted before they were read: see scantrail_ingest_unread_messages_lost_total).",
      labelNames: ['partition', 'cause'],
      registers: [this.registry],
    });
    this.unreadMessagesLost = new Counter({
      name: 'scantrail_ingest_unread_messages_lost_total',
      help: 'Messages Kafka deleted before the ingest read them (retention, deleteRecords): not in the ledger. /health is degraded until the ingest restarts.',
      labelNames: ['partition'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'scantrail_ingest_consumer_lag',
      help: 'Messages of a partition not yet recorded, as of its last fetch.',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of consumer.progress()) this.set({ partition: String(p.partition) }, p.lag);
      },
    });
    new Gauge({
      name: 'scantrail_ingest_next_offset',
      help: 'Next offset of a partition to record.',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of consumer.progress()) {
          if (p.position !== undefined)
            this.set({ partition: String(p.partition) }, Number(p.position));
        }
      },
    });
    // A counter kept by the consumer: the scrape adds what it counted since the last one.
    const counted = new Map<number, number>();
    new Counter({
      name: 'scantrail_ingest_batch_retries_total',
      help: 'Failed batch attempts of a partition, each retried after a backoff.',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        for (const p of consumer.progress()) {
          const delta = p.retries - (counted.get(p.partition) ?? 0);
          if (delta > 0) this.inc({ partition: String(p.partition) }, delta);
          else this.inc({ partition: String(p.partition) }, 0);
          counted.set(p.partition, p.retries);
        }
      },
    });
    // One database read per scrape serves the three findings gauges: prom-client collects
    // a scrape's metrics concurrently, so they share the read in flight. A later scrape
    // reads again (a time-based cache served a scrape the position from before a round).
    let inFlight: Promise<FindingsFreshness> | undefined;
    const freshness = (): Promise<FindingsFreshness> => {
      inFlight ??= findings.freshness().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    };
    new Gauge({
      name: 'scantrail_findings_complete_through',
      help: 'Ledger sequence up to which the stored findings are complete (-1: none).',
      registers: [this.registry],
      async collect() {
        this.set((await freshness()).completeThrough ?? -1);
      },
    });
    new Gauge({
      name: 'scantrail_findings_lag_entries',
      help: 'Ledger entries recorded whose effect on the findings is not stored yet.',
      registers: [this.registry],
      async collect() {
        this.set((await freshness()).lagEntries);
      },
    });
    new Gauge({
      name: 'scantrail_findings_lag_seconds',
      help: 'Seconds since the oldest entry not yet reflected in the findings was recorded.',
      registers: [this.registry],
      async collect() {
        this.set((await freshness()).lagSeconds);
      },
    });
    let failed = 0;
    new Counter({
      name: 'scantrail_findings_round_failures_total',
      help: 'Findings rounds that failed (each is retried from the stored position).',
      registers: [this.registry],
      collect() {
        const now = findings.failures();
        this.inc(Math.max(0, now - failed));
        failed = now;
      },
    });
    let waited = 0;
    new Counter({
      name: 'scantrail_findings_lock_waits_total',
      help: 'Findings rounds that waited FINDINGS_LOCK_WAIT_MS for the findings lock held by another session, then were retried.',
      registers: [this.registry],
      collect() {
        const now = findings.lockWaits();
        this.inc(Math.max(0, now - waited));
        waited = now;
      },
    });
    new Gauge({
      name: 'scantrail_ingest_partition_stalled',
      help: `1 when a partition with messages waiting has not advanced for ${stallMs / 1000} s.`,
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        this.reset();
        const stalled = new Set(consumer.stalled(stallMs).map((p) => p.partition));
        for (const p of consumer.progress())
          this.set({ partition: String(p.partition) }, stalled.has(p.partition) ? 1 : 0);
      },
    });
  }
}
