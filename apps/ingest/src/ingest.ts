import { logSafeReason, type Settings } from '@scantrail/config';
import {
  createKafka,
  kafkaLogTo,
  undecodableBatchCause,
  type BatchConsumer,
  type KafkaClient,
  type PositionReset,
} from '@scantrail/kafka';
import { LineageProjection } from '@scantrail/projection';
import { findingsFreshness } from '@scantrail/queries';
import {
  advisoryLockHolders,
  APPEND_ORDER_LOCK_CLASS,
  APPEND_ORDERED_TABLES,
  CheckpointStore,
  isAppendOrderWait,
  isLedgerLockWait,
  isOffsetLockWait,
  OFFSET_LOCK_WAIT_MS,
  LEDGER_LOCK_WAIT_MS,
  ledgerLockHolders,
  INGEST_GAPS_APPEND_KEY,
  IngestGapStore,
  LedgerLog,
  OffsetStore,
} from '@scantrail/storage';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { BatchRecorder, type BatchOutcome } from './batch-recorder';
import { BatchSplittingRecorder } from './batch-splitting-recorder';
import { Checkpointer } from './checkpointer';
import { FindingsWorker } from './findings-worker';
import {
  ingestHealth,
  startIngestHttpServer,
  type FindingsHealth,
  type IngestHealth,
  type KeptLoss,
} from './ingest-http.server';
import { IngestMetrics, quarantineCategory } from './ingest-metrics';

/**
 * Batches of different partitions handled at once: three. Each is decoded as soon as
 * KafkaJS hands it over, while the one before it is in PostgreSQL; their transactions take
 * turns (BatchRecorder), as their appends would under the ledger lock anyway, and small ones
 * share a transaction. With one, the process sat idle while each batch's statements ran
 * (bench/HISTORY.md, session 13).
 */
export const PARTITIONS_CONCURRENTLY = 3;

export interface IngestOptions {
  settings: Settings;
  dataSource: DataSource;
  kafkaBrokers: string[];
  logger: Logger;
  /** Partitions to create the topic with when it does not exist yet. */
  defaultPartitions?: number;
}

export interface IngestCounters {
  recorded: number;
  duplicates: number;
  quarantined: number;
  /** Skipped: below the partition's stored offset (BatchOutcome.alreadyHandled). */
  alreadyHandled: number;
  batches: number;
}

export interface RunningIngest {
  counters: IngestCounters;
  /** Port of /health and /metrics, when INGEST_PORT is set. */
  httpPort?: number;
  /** What /health answers. */
  health(): Promise<IngestHealth>;
  /** The findings worker's state (its position and lag, read from the database). */
  findings(): Promise<FindingsHealth>;
  stop(): Promise<void>;
}

/**
 * The ingest process: a Kafka consumer group member that records each batch in one
 * PostgreSQL transaction (ledger, read models, quarantine, offsets), the findings worker
 * that evaluates what those entries change right behind it, and a checkpointer.
 */
export async function startIngest(options: IngestOptions): Promise<RunningIngest> {
  const { settings, dataSource, logger } = options;
  if (settings.ledgerSigner === undefined) {
    throw new Error('the ingest signs checkpoints: it needs LEDGER_SIGNING_KEY');
  }
  const log = new LedgerLog(settings.ledgerOrigin);
  const offsets = new OffsetStore(settings.kafkaGroupId, settings.kafkaTopic);
  const recorder = new BatchRecorder(
    dataSource,
    log,
    offsets,
    new LineageProjection(),
    settings.pseudonymKey,
    { groupBytes: settings.ingestBatchBytes },
  );
  const counters: IngestCounters = {
    recorded: 0,
    duplicates: 0,
    quarantined: 0,
    alreadyHandled: 0,
    batches: 0,
  };
  // Batches being recorded: the findings worker rests between rounds only while some are.
  let batchesInHand = 0;
  const findingsWorker = new FindingsWorker(dataSource, log, logger, {
    ingestBusy: () => batchesInHand > 0,
  });

  const kafka: KafkaClient = createKafka({
    brokers: options.kafkaBrokers,
    clientId: 'scantrail-ingest',
    security: settings.kafkaSecurity,
    log: kafkaLogTo(logger),
  });
  await kafka.ensureTopic(settings.kafkaTopic, options.defaultPartitions ?? 3);

  const consumer: BatchConsumer = kafka.batchConsumer({
    groupId: settings.kafkaGroupId,
    topic: settings.kafkaTopic,
    maxBytesPerPartition: settings.ingestBatchBytes,
    maxDecompressedBytes: settings.ingestMaxDecompressedBytes,
    maxDecompressedBytesName: 'INGEST_MAX_DECOMPRESSED_BYTES',
    partitionsConcurrently: PARTITIONS_CONCURRENTLY,
    startOffsets: (partitions) => offsets.nextOffsets(dataSource, partitions),
    resetPosition: async (reset) => {
      const moved = await offsets.movePosition(dataSource, reset);
      if (moved) sayPositionReset(reset);
      return moved;
    },
    handleBatch: async (batch, control) => {
      batchesInHand += 1;
      let outcome: BatchOutcome;
      try {
        outcome = await new BatchSplittingRecorder(recorder, {
          between: () => control.heartbeat(),
        }).record(batch);
      } finally {
        batchesInHand -= 1;
        if (batchesInHand === 0) findingsWorker.ingestIdle();
      }
      const alreadyHandled = outcome.alreadyHandled ?? 0;
      // An earlier transaction whose reply was lost may have recorded entries nobody announced.
      if (outcome.recorded > 0 || alreadyHandled > 0) findingsWorker.nudge();
      counters.batches += 1;
      counters.recorded += outcome.recorded;
      counters.duplicates += outcome.duplicates;
      counters.quarantined += outcome.quarantined.length;
      counters.alreadyHandled += alreadyHandled;
      metrics.messages.inc({ outcome: 'recorded' }, outcome.recorded);
      metrics.messages.inc({ outcome: 'duplicate' }, outcome.duplicates);
      metrics.messages.inc({ outcome: 'quarantined' }, outcome.quarantined.length);
      metrics.messages.inc({ outcome: 'already_handled' }, alreadyHandled);
      if (alreadyHandled > 0) {
        logger.info(
          { partition: batch.partition, alreadyHandled },
          'messages skipped: an earlier transaction handled them (a commit whose reply was lost, or another instance before a rebalance)',
        );
      }
      for (const c of outcome.conflicts ?? []) {
        // Coordinates only: the event's id and content stay out of the log.
        metrics.duplicateConflicts.inc();
        logger.warn(
          {
            topic: settings.kafkaTopic,
            partition: c.partition,
            offset: c.offset,
            recordedSequence: c.recordedSequence,
          },
          'event id recorded before with other content: the first stays, this message is dropped as a duplicate',
        );
      }
      for (const q of outcome.quarantined) {
        metrics.quarantined.inc({ category: quarantineCategory(q.reason) });
        // The reason names the fault, never the content: no patient data reaches the log.
        logger.warn(
          {
            topic: q.topic,
            partition: q.partition,
            offset: q.offset,
            reason: logSafeReason(q.reason),
          },
          'message quarantined; inspect it with the quarantine query',
        );
      }
      for (const f of outcome.faults ?? []) {
        // Its kind and the places it was thrown through only: its message may quote the content.
        logger.error(
          {
            topic: settings.kafkaTopic,
            partition: f.partition,
            offset: f.offset,
            errorType: f.fault.type,
            frames: f.fault.frames,
          },
          'our own code failed on a message while preparing its ledger entry: quarantined as unprocessable. Fix the fault, deploy, then cli quarantine-replay --reason unprocessable',
        );
      }
      if (outcome.recorded > 0 || outcome.quarantined.length > 0) {
        logger.debug(
          {
            partition: batch.partition,
            recorded: outcome.recorded,
            duplicates: outcome.duplicates,
            lastSequence: outcome.lastSequence,
          },
          'batch recorded',
        );
      }
    },
    onError: (error) => {
      const undecodable = undecodableBatchCause(error);
      if (undecodable) {
        metrics.undecodableBatches.inc({ codec: undecodable.codec });
        logger.error(
          {
            topic: settings.kafkaTopic,
            codec: undecodable.codec,
            compressedBytes: undecodable.compressedBytes,
            reason: undecodable.message,
          },
          undecodable.reason === 'past_cap'
            ? 'a record batch on the topic decompresses past INGEST_MAX_DECOMPRESSED_BYTES (a decompression bomb, or an honest batch larger than the cap): it is refused, not skipped, so its partition waits at it while the others go on (/health says undecodableBatch, and the partition stalled). Raise the cap if the batch is honest; else find it (the stalled partition\'s next offset in ingest_offsets) and see docs/architecture.md, "Compressed record batches"'
            : 'a record batch on the topic cannot be decompressed: KafkaJS cannot skip it, so its partition waits at it while the others go on (/health says undecodableBatch, and the partition stalled). Find the batch (the stalled partition\'s next offset in ingest_offsets; kafka-dump-log on that segment), have its producer re-send its events, then see docs/architecture.md, "Compressed record batches"',
        );
        return;
      }
      if (isAppendOrderWait(error)) {
        metrics.appendOrderWaits.inc();
        void sayWhoHoldsTheAppendLocks();
        return;
      }
      if (isLedgerLockWait(error)) {
        metrics.ledgerLockWaits.inc();
        void sayWhoHoldsTheLock();
        return;
      }
      if (isOffsetLockWait(error)) {
        logger.warn(
          { waitedMs: OFFSET_LOCK_WAIT_MS },
          "another session holds a partition's offset row (ingest_offsets) for longer than an ingest's batch: that partition is retried after a backoff, the others go on. End the session that left its transaction open (pg_stat_activity: state 'idle in transaction') unless another ingest instance is taking the partition over",
        );
        return;
      }
      logger.error(
        { err: error },
        'ingest batch failed; its partition retries after a backoff from the offsets stored in PostgreSQL',
      );
    },
  });
  // Said once per stored position moved because the log no longer holds what it says was read.
  const sayPositionReset = (reset: PositionReset): void => {
    metrics.positionResets.inc({ partition: String(reset.partition), cause: reset.cause });
    const where = {
      topic: reset.topic,
      partition: reset.partition,
      storedOffset: reset.storedOffset,
      resumedAt: reset.resumedAt,
      earliestOffset: reset.earliestOffset,
      highWatermark: reset.highWatermark,
    };
    switch (reset.cause) {
      case 'log_end_before_position':
        logger.warn(
          where,
          "the partition's stored position is past the end of its log (the topic was deleted and created again, or its log truncated): reading it again from its earliest offset; events recorded before are dropped as duplicates by (source, id). Messages the old log held past the stored position, if any, are not in Kafka any more",
        );
        return;
      case 'record_changed':
        logger.warn(
          { ...where, checkedOffset: (BigInt(reset.storedOffset) - 1n).toString() },
          "the record before the partition's stored position is not the one recorded (the topic was deleted and created again, and its log grew past the stored position): reading it again from its earliest offset; events recorded before are dropped as duplicates by (source, id)",
        );
        return;
      case 'deleted_unread':
        metrics.unreadMessagesLost.inc({ partition: String(reset.partition) }, reset.lost);
        logger.error(
          { ...where, lost: reset.lost },
          "messages were deleted before the ingest read them (retention shorter than the ingest was behind, or records deleted by an operator): they are not in the ledger. Kept in ingest_gaps (the API's ingestGaps, the dashboard's ledger page); /health stays degraded for INGEST_LOSS_DEGRADED_S, restarts included. Have their producers re-send the events of that partition (their ids make a re-send harmless); going on from the earliest offset",
        );
        return;
    }
  };
  // Said at each wait that runs out, with who holds the lock now (it may have gone since).
  const sayWhoHoldsTheLock = async (): Promise<void> => {
    const holders = await ledgerLockHolders(dataSource, log.lockKey).catch(() => undefined);
    logger.warn(
      { waitedMs: LEDGER_LOCK_WAIT_MS, holders },
      'another session holds the ledger lock: no partition is recorded meanwhile; the batch is retried from the offsets stored in PostgreSQL. End that session (pg_terminate_backend(pid), as its role or a superuser) unless it is a cli rebuild',
    );
  };
  // Said at each wait for a history table's append lock that runs out (migration
  // 1764113000000), with who holds those locks now.
  const sayWhoHoldsTheAppendLocks = async (): Promise<void> => {
    // ingest_gaps' appends are ordered the same way (migration 1764118500000).
    const tables: readonly (readonly [string, number])[] = [
      ...APPEND_ORDERED_TABLES,
      ['ingest_gaps', INGEST_GAPS_APPEND_KEY],
    ];
    const holders = await Promise.all(
      tables.map(async ([table, key]) => ({
        table,
        holders: await advisoryLockHolders(dataSource, APPEND_ORDER_LOCK_CLASS, key),
      })),
    ).catch(() => undefined);
    logger.warn(
      { holders: holders?.filter((h) => h.holders.length > 0) },
      'another session appended to the quarantine, the re-used event ids or the kept losses (ingest_gaps) and has not ended its transaction: the batch, or the move of a stored position, is retried from the offsets stored in PostgreSQL. End that session (pg_terminate_backend(pid), as its role or a superuser)',
    );
  };
  const stallMs = settings.ingestStallS * 1000;
  const metrics = new IngestMetrics(consumer, stallMs, {
    freshness: () => findingsFreshness(dataSource),
    failures: () => findingsWorker.failures,
    lockWaits: () => findingsWorker.lockWaits,
  });
  const findings = async (): Promise<FindingsHealth> => {
    const freshness = await findingsFreshness(dataSource);
    const last = findingsWorker.last?.at;
    const since = last === undefined ? undefined : Date.now() - last;
    return {
      ...freshness,
      secondsSinceRound: since === undefined ? null : Math.round(since / 1000),
      stalled: freshness.lagSeconds * 1000 > stallMs && (since === undefined || since > stallMs),
    };
  };

  // Losses kept in ingest_gaps, by any instance of this group: degraded while one is newer
  // than INGEST_LOSS_DEGRADED_S, across restarts (docs/architecture.md).
  const gaps = new IngestGapStore();
  const losses = async (): Promise<KeptLoss[]> =>
    (
      await gaps.lossesSince(
        dataSource,
        settings.kafkaGroupId,
        settings.kafkaTopic,
        new Date(Date.now() - settings.ingestLossDegradedS * 1000),
      )
    ).map(({ topic, partition, fromOffset, toOffset, count, noticedAt }) => ({
      topic,
      partition,
      fromOffset,
      toOffset,
      count,
      noticedAt,
    }));

  const checkpointer = new Checkpointer(
    new CheckpointStore(dataSource, log, settings.ledgerSigner),
    settings.checkpointIntervalS,
    logger,
  );
  findingsWorker.start();
  await consumer.start();
  checkpointer.start();
  const http =
    settings.ingestPort === undefined
      ? undefined
      : await startIngestHttpServer({
          port: settings.ingestPort,
          host: settings.healthHost,
          consumer,
          metrics,
          stallMs,
          findings,
          losses,
          logger,
        });
  logger.info({ topic: settings.kafkaTopic, groupId: settings.kafkaGroupId }, 'ingest started');

  return {
    counters,
    httpPort: http?.port,
    health: async () =>
      ingestHealth(
        consumer,
        stallMs,
        await findings().catch(() => null),
        Date.now(),
        await losses().catch(() => null),
      ),
    findings,
    stop: async () => {
      await http?.close();
      await consumer.stop();
      await findingsWorker.stop();
      await checkpointer.stop();
      await kafka.disconnect();
      logger.info(counters, 'ingest stopped');
    },
  };
}
