import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the bridge (served on BRIDGE_PORT /metrics). */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly heldSends = new Gauge({
    name: 'scantrail_bridge_held_sends',
    help: 'Sends held because their destination is not in BRIDGE_DESTINATIONS',
    registers: [this.registry],
  });
  readonly heldStudies = new Gauge({
    name: 'scantrail_bridge_held_studies',
    help: 'Studies held (no Patient ID or Study Date, or an original that is gone)',
    registers: [this.registry],
  });
  readonly heldTotal = new Counter({
    name: 'scantrail_bridge_held_total',
    help: 'Sends and studies the bridge had to hold',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly unrecordedSends = new Counter({
    name: 'scantrail_bridge_send_jobs_unrecorded_total',
    help: 'Successful send jobs that could not be recorded (logged at error level), by reason: completion_time (unusable CompletionTime), dicomweb_unnamed (a STOW job naming no DICOMweb server or no resources), no_study (no study Orthanc still has), unreadable (a resource Orthanc answered for with an error)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'scantrail_bridge_events_published_total',
    help: 'Events published to Kafka, by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly orthancUp = new Gauge({
    name: 'scantrail_bridge_orthanc_up',
    help: '1 when Orthanc answered the last look, else 0',
    registers: [this.registry],
  });
  readonly changeSeq = new Gauge({
    name: 'scantrail_bridge_change_seq',
    help: "The bridge's place in Orthanc's changes",
    registers: [this.registry],
  });
  readonly lag = new Histogram({
    name: 'scantrail_bridge_stable_to_published_seconds',
    help: 'From a StableStudy change in Orthanc to its event acknowledged by Kafka',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly connectionsRefused = new Counter({
    name: 'scantrail_bridge_connections_refused_total',
    help: 'Connections to BRIDGE_PORT closed as they opened: their address already held HEALTH_CONNECTIONS_PER_ADDRESS',
    registers: [this.registry],
  });

  readonly slowReadersReleased = new Counter({
    name: 'scantrail_bridge_slow_readers_released_total',
    help: 'Connections to BRIDGE_PORT closed because their client did not read its answer: stalled (no byte taken for 30 s) or over_budget (16 MiB of answers waiting)',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
