// The bridge's /health is public (BRIDGE_PORT on every interface unless HEALTH_HOST says
// otherwise), as the API's is: a failing step must be told there in words that name no
// database address, role or Kafka user (the API's /health says "PostgreSQL does not answer"
// with the error's code for the same reason), while the bridge's log keeps the whole error.
import type { Logger } from 'pino';
import { BridgeMetrics } from './health/bridge-metrics';
import { OrthancBridge, type BridgeOptions } from './orthanc-bridge';
import { OrthancAnswerError, OrthancHttpError } from './orthanc/orthanc-client';

function bridgeWithLog(): { bridge: OrthancBridge; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const logger = { error: (...args: unknown[]) => errors.push(args) } as unknown as Logger;
  const options = {
    settings: {
      orthancUrl: 'http://127.0.0.1:8042',
      destinations: new Map(),
      pollIntervalMs: 1_000,
    },
    pseudonymKey: Buffer.alloc(32, 1),
    topic: 'imaging.lineage.events',
    logger,
    metrics: new BridgeMetrics(),
  } as unknown as BridgeOptions;
  return { bridge: new OrthancBridge(options), errors };
}

/** What /health says after one step failed with `error`. */
function healthAfter(error: Error): { lastError?: string; status: string; logged: unknown[][] } {
  const { bridge, errors } = bridgeWithLog();
  bridge['noteError'](error);
  const { lastError, status } = bridge.health();
  return { lastError, status, logged: errors };
}

describe('the bridge /health after a failed step', () => {
  it.each([
    [
      'PostgreSQL refusing connections',
      Object.assign(new Error('connect ECONNREFUSED 10.20.30.40:6543'), { code: 'ECONNREFUSED' }),
      ['10.20.30.40', '6543'],
      'ECONNREFUSED',
    ],
    [
      "PostgreSQL refusing the bridge's password",
      Object.assign(new Error('password authentication failed for user "scantrail_bridge"'), {
        code: '28P01',
      }),
      ['scantrail_bridge'],
      '28P01',
    ],
    [
      'PostgreSQL without the database',
      Object.assign(new Error('database "hospital_ledger_prod" does not exist'), {
        code: '3D000',
      }),
      ['hospital_ledger_prod'],
      '3D000',
    ],
    [
      "Kafka refusing the producer's credentials",
      new Error(
        'Kafka refused the SASL credentials of user "svc-bridge": check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
      ),
      ['svc-bridge'],
      undefined,
    ],
  ])(
    'should say the step failed, with the code and without the details, after %s',
    (_name, error, hidden, code) => {
      const health = healthAfter(error);
      expect(health.status).toBe('down');
      expect(health.lastError).toBe(
        `the bridge's last step failed${code ? ` (${code})` : ''}: its log says why`,
      );
      for (const detail of hidden) expect(health.lastError).not.toContain(detail);
      // The operator still learns why, in the log.
      expect(health.logged).toHaveLength(1);
      expect(health.logged[0][0]).toEqual({ err: error });
      expect(String(health.logged[0][1])).toContain(error.message);
    },
  );

  it.each([
    [
      'an answer of Orthanc the bridge cannot use',
      new OrthancAnswerError('Orthanc answered /changes with Changes that is not a list'),
    ],
    ['an HTTP error of Orthanc', new OrthancHttpError(500, '/changes')],
  ])('should keep %s as it is (its words name a path, never a value)', (_name, error) => {
    expect(healthAfter(error).lastError).toBe(error.message);
  });

  it('should name the Orthanc it cannot reach (ORTHANC_URL carries no credentials)', () => {
    expect(healthAfter(new TypeError('fetch failed')).lastError).toBe(
      'Orthanc at http://127.0.0.1:8042 is unreachable',
    );
  });
});
