// KafkaJS logs every error answer from a broker at ERROR level, also the routine ones that
// it retries by itself: leadership moving, a coordinator loading after a restart, a
// rebalance. They would fill the logs with false alarms on every start and restart, so they
// are dropped. If such a condition persists, KafkaJS's own higher-level error (a failed
// send, a consumer crash) is still logged. Matched on KafkaJS's message texts: if a new
// KafkaJS version rewords them, they simply show again.
const ROUTINE_BROKER_ANSWERS = new Set([
  'This server is not the leader for that topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  "The coordinator is loading and hence can't process requests for this group",
  'The group is rebalancing, so a rejoin is needed',
]);

export interface KafkaJsLogLine {
  namespace: string;
  message: string;
  extra: Record<string, unknown>;
}

export function isRoutineBrokerAnswer({ namespace, message, extra }: KafkaJsLogLine): boolean {
  return (
    namespace === 'Connection' &&
    message.startsWith('Response ') &&
    typeof extra.error === 'string' &&
    ROUTINE_BROKER_ANSWERS.has(extra.error)
  );
}

/**
 * A consumer rejoining its group when another member comes or goes is routine too, but worth
 * an operator's info line (how often the group rebalances), not the warning KafkaJS makes it:
 * with several ingest instances it happens on every start, stop and deployment.
 */
export function isRoutineRebalance({ namespace, message }: KafkaJsLogLine): boolean {
  return namespace === 'Runner' && message === 'The group is rebalancing, re-joining';
}
