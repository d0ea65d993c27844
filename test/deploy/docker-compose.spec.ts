import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, unknown>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
}

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

describe('docker-compose.yml', () => {
  it('should name PostgreSQL, Kafka, ingest and api when parsed', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'ingest', 'kafka', 'postgres']);
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:/);
  });

  it('should give every service a health check or a healthy dependency when started', () => {
    for (const name of ['postgres', 'kafka', 'api'])
      expect(compose.services[name].healthcheck).toBeDefined();
    for (const name of ['ingest', 'api']) {
      expect(compose.services[name].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        kafka: { condition: 'service_healthy' },
      });
    }
  });

  it('should pass every CONTRACT setting to both scantrail processes and build them from the Dockerfile', () => {
    const settings = [
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'KAFKA_TOPIC',
      'KAFKA_GROUP_ID',
      'AUTH_JWT_SECRET',
      'LEDGER_SIGNING_KEY',
      'PSEUDONYM_KEY',
      'LEDGER_ORIGIN',
      'CHECKPOINT_INTERVAL_S',
    ];
    for (const name of ['ingest', 'api']) {
      const service = compose.services[name];
      expect(service.build).toBe('.');
      expect(Object.keys(service.environment ?? {})).toEqual(expect.arrayContaining(settings));
    }
    expect(compose.services.api.environment?.PORT).toBe(3000);
    expect(compose.services.ingest.command).toEqual(['node', 'dist/apps/ingest/main.js']);
    expect(compose.services.api.command).toEqual(['node', 'dist/apps/api/main.js']);
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/npm run build/);
  });
});
