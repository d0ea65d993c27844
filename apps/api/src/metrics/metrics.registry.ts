import { FindingsReadService } from '@scantrail/queries';
import type { LedgerReader, QuarantineStore } from '@scantrail/storage';
import type { DataSource } from 'typeorm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FINDING_CODES } from '@scantrail/compliance';
import type { FindingsAnswerCache } from '../graphql/findings-answer-cache';

/**
 * This API's Prometheus registry (its own, not the global one, so that several APIs in
 * one test process do not collide): process metrics, GraphQL request durations, and
 * gauges read from the database at scrape time.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly graphqlDuration: Histogram<'status'>;
  readonly scrapeFailures: Counter;
  readonly connectionsRefused: Counter;
  readonly slowReadersReleased: Counter<'reason'>;

  constructor(
    dataSource: DataSource,
    reader: LedgerReader,
    quarantine: QuarantineStore,
    findings: FindingsReadService,
    answers: FindingsAnswerCache,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(answers.lookups);
    this.graphqlDuration = new Histogram({
      name: 'scantrail_graphql_request_duration_seconds',
      help: 'Duration of HTTP requests to /graphql, by response status.',
      labelNames: ['status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.scrapeFailures = new Counter({
      name: 'scantrail_metrics_scrape_failures_total',
      help: 'Scrapes whose database-backed gauges could not be read.',
      registers: [this.registry],
    });
    this.connectionsRefused = new Counter({
      name: 'scantrail_api_connections_refused_total',
      help: 'Connections closed as they opened: their address held API_CONNECTIONS_PER_ADDRESS.',
      registers: [this.registry],
    });
    this.slowReadersReleased = new Counter({
      name: 'scantrail_api_slow_readers_released_total',
      help: 'Connections closed because their client did not read its answer: stalled (no byte taken for 30 s) or over_budget (API_ANSWER_BUFFER_BYTES of answers waiting; those that read nothing for longest go first).',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    const failures = this.scrapeFailures;
    // A gauge that cannot be read shows NaN (and counts a failure) rather than a stale value.
    const read = async <T>(value: Promise<T>): Promise<T | undefined> => {
      try {
        return await value;
      } catch {
        failures.inc();
        return undefined;
      }
    };
    new Gauge({
      name: 'scantrail_ledger_tree_size',
      help: 'Entries in the ledger.',
      registers: [this.registry],
      async collect() {
        this.set((await read(reader.treeSize())) ?? NaN);
      },
    });
    new Gauge({
      name: 'scantrail_quarantined_messages',
      help: 'Messages kept in quarantine.',
      registers: [this.registry],
      async collect() {
        this.set((await read(quarantine.count(dataSource))) ?? NaN);
      },
    });
    new Gauge({
      name: 'scantrail_findings',
      help: 'Current compliance findings, by code.',
      labelNames: ['code'],
      registers: [this.registry],
      async collect() {
        const counts = await read(findings.countByCode());
        for (const code of FINDING_CODES)
          this.set({ code }, counts ? (counts.get(code) ?? 0) : NaN);
      },
    });
  }
}
