import type { Settings } from '@scantrail/config';
import { createDataSource } from '@scantrail/storage';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../../apps/api/src/bootstrap';
import {
  DirectRecorder,
  e2eServices,
  signCheckpoint,
  type TestDatabase,
} from '../support/test-env';
import { scenarioEvents } from './api-scenario';

export interface ScenarioApi {
  api: RunningApi;
  /** The API's own connection pool: the caller destroys it after `api.close()`. */
  apiDataSource: DataSource;
}

/**
 * The API scenario's world (scenarioEvents) and `extra` events recorded through the ingest's
 * own path, a checkpoint signed, and the API started on that database as the API's own role
 * (npm start's): a field reading a table it may not read, or writing anything but the access
 * log, fails.
 */
export async function startScenarioApi(options: {
  db: TestDatabase;
  settings: Settings;
  extra: readonly unknown[];
  /** The API pool's name. */
  name: string;
  logger: Logger;
}): Promise<ScenarioApi> {
  const { db, settings } = options;
  await new DirectRecorder(db.dataSource, settings).record([
    ...Object.values(scenarioEvents()),
    ...options.extra,
  ] as Parameters<DirectRecorder['record']>[0]);
  await signCheckpoint(db.dataSource, settings);
  const apiDataSource = await createDataSource(db.apiUrl, { name: options.name }).initialize();
  const api = await startApi({
    settings: { ...settings, ledgerSigner: undefined },
    dataSource: apiDataSource,
    kafkaBrokers: e2eServices().brokers,
    logger: options.logger,
  });
  return { api, apiDataSource };
}
