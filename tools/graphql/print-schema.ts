// Writes the API's GraphQL schema to apps/api/schema.graphql (npm run codegen), from which
// graphql-codegen generates the dashboard's query types. api-schema.spec.ts fails when the
// checked-in file no longer matches the resolvers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printApiSchema } from '../../apps/api/src/graphql/api-schema';

const SCHEMA_FILE = join(__dirname, '..', '..', '..', 'apps', 'api', 'schema.graphql');

printApiSchema().then(
  (sdl) => {
    writeFileSync(SCHEMA_FILE, sdl);
    process.stdout.write(`schema written to ${SCHEMA_FILE}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`schema not written: ${String(error)}\n`);
    process.exit(1);
  },
);
