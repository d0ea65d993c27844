import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventJsonSchemas } from './event-json-schemas';
import { EVENT_TYPES } from './event-types';

const SCHEMA_DIR = join(__dirname, '../../../../docs/schemas');

interface ObjectSchema {
  required: string[];
  properties: Record<string, ObjectSchema & { const?: string }>;
  additionalProperties: unknown;
}

describe('eventJsonSchemas', () => {
  const schemas = eventJsonSchemas();

  // UPDATE_SCHEMAS=1 npx jest --config jest.unit.config.js libs/contract/src/events/event-json-schemas
  // rewrites docs/schemas from the code, like a snapshot update.
  if (process.env.UPDATE_SCHEMAS === '1') {
    for (const type of EVENT_TYPES) {
      writeFileSync(
        join(SCHEMA_DIR, `${type}.json`),
        `${JSON.stringify(schemas[type], null, 2)}\n`,
      );
    }
  }

  it('should describe every event type when called', () => {
    expect(Object.keys(schemas).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_TYPES)(
    'should match docs/schemas/%s.json when the docs are current (regenerate them if not)',
    (type) => {
      const onDisk = readFileSync(join(SCHEMA_DIR, `${type}.json`), 'utf8');
      expect(onDisk).toBe(`${JSON.stringify(schemas[type], null, 2)}\n`);
    },
  );

  it('should hold no other files in docs/schemas when the docs are current', () => {
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual(EVENT_TYPES.map((t) => `${t}.json`).sort());
  });

  it.each(EVENT_TYPES)('should require the envelope and fix the type of %s', (type) => {
    const schema = schemas[type] as ObjectSchema;
    expect(schema.required).toEqual(['specversion', 'id', 'source', 'type', 'time', 'data']);
    expect(schema.properties.type.const).toBe(type);
    expect(schema.additionalProperties).toEqual({});
    expect(schema.properties.data.additionalProperties).toBe(false);
  });
});
