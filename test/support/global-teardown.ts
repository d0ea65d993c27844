import { rmSync } from 'node:fs';

interface Services {
  postgres: { stop(): Promise<void> };
  kafka?: { stop(): Promise<void> };
}

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__scantrailServices as
    Services | undefined;
  if (!services) return;
  const started = Date.now();
  await Promise.allSettled([services.kafka?.stop(), services.postgres.stop()]);
  process.stdout.write(`test services stopped in ${Date.now() - started} ms\n`);
  if (process.env.SCANTRAIL_E2E_DIR && !process.env.SCANTRAIL_E2E_KEEP) {
    rmSync(process.env.SCANTRAIL_E2E_DIR, { recursive: true, force: true });
  }
}
