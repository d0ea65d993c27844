import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isObjectType,
  isNonNullType,
  Kind,
  parse,
  print,
  type DefinitionNode,
  type FieldDefinitionNode,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLSchema,
  type InputValueDefinitionNode,
  type TypeNode,
} from 'graphql';
import { printApiSchema } from './api-schema';

// CONTRACT 3: "Required types and fields (more is welcome; names and types exactly so)".
// schema.graphql is printed from the resolvers (api-schema.spec.ts), so a renamed field or a
// nullability change passes that test once `npm run codegen` rewrites the file; this one
// holds the served schema to the contract's own text.
const CONTRACT_SDL = readFileSync(join(__dirname, 'contract-v1.1.graphql'), 'utf8');

/** The type as SDL writes it (`[String!]!`), from the served schema or the contract. */
const typeText = (type: TypeNode | { toString(): string }): string =>
  'kind' in type ? print(type) : type.toString();

type Served = GraphQLField<unknown, unknown> | GraphQLInputField;

/** Every break of the contract's promises by the served schema, one line each. */
function breaches(served: GraphQLSchema, contract: readonly DefinitionNode[]): string[] {
  const broken: string[] = [];
  for (const def of contract) {
    if (!('name' in def) || def.name === undefined) continue;
    const name = def.name.value;
    const type = served.getType(name);
    if (type === undefined || type === null) {
      broken.push(`type ${name} is missing`);
      continue;
    }
    if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
      if (!isEnumType(type)) broken.push(`${name} is not an enum`);
      else {
        const values = new Set(type.getValues().map((v) => v.name));
        for (const v of def.values ?? [])
          if (!values.has(v.name.value)) broken.push(`enum ${name} lacks ${v.name.value}`);
      }
      continue;
    }
    const fieldDefs: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] =
      'fields' in def && def.fields !== undefined ? def.fields : [];
    if (!isObjectType(type) && !isInputObjectType(type)) {
      if (fieldDefs.length > 0) broken.push(`${name} is not an object type`);
      continue;
    }
    const fields = type.getFields() as Record<string, Served>;
    for (const f of fieldDefs) {
      const field = fields[f.name.value];
      const where = `${name}.${f.name.value}`;
      if (field === undefined) {
        broken.push(`${where} is missing`);
        continue;
      }
      if (typeText(field.type) !== typeText(f.type)) {
        broken.push(`${where}: ${typeText(field.type)}, CONTRACT says ${typeText(f.type)}`);
      }
      if (!('args' in field) || f.kind !== Kind.FIELD_DEFINITION) continue;
      const promised = new Set((f.arguments ?? []).map((a) => a.name.value));
      for (const a of f.arguments ?? []) {
        const arg = field.args.find((x) => x.name === a.name.value);
        if (arg === undefined) broken.push(`${where}(${a.name.value}) is missing`);
        else if (typeText(arg.type) !== typeText(a.type))
          broken.push(
            `${where}(${a.name.value}): ${typeText(arg.type)}, CONTRACT says ${typeText(a.type)}`,
          );
      }
      // An argument beyond the contract's is welcome only when a client may leave it out.
      for (const arg of field.args)
        if (!promised.has(arg.name) && isNonNullType(arg.type) && arg.defaultValue === undefined)
          broken.push(`${where}(${arg.name}) is required, and CONTRACT does not have it`);
    }
  }
  return broken;
}

/** The connection shape the contract gives in a comment: edges { cursor node } pageInfo totalCount. */
function connectionBreaches(served: GraphQLSchema, node: string, connection: string): string[] {
  const sdl = `type ${connection} { edges: [${connection.replace(/Connection$/, 'Edge')}!]!, pageInfo: PageInfo!, totalCount: Int! }
    type ${connection.replace(/Connection$/, 'Edge')} { cursor: String!, node: ${node}! }
    type PageInfo { hasNextPage: Boolean!, endCursor: String }`;
  return breaches(served, parse(sdl).definitions);
}

describe('the served schema against CONTRACT 3', () => {
  let served: GraphQLSchema;
  const contract = parse(CONTRACT_SDL).definitions;

  beforeAll(async () => {
    served = buildSchema(await printApiSchema());
  });

  it('should hold the contract block it checks against, whole', () => {
    // Types, enums and extensions of v1 and v1.1, as the contract lists them.
    expect(contract).toHaveLength(29);
    expect(CONTRACT_SDL).toContain('DEIDENTIFICATION_FAILED PATIENT_IDENTIFIABLE }');
  });

  it('should serve every type, field, argument and enum value of the contract with its exact type and nullability', () => {
    expect(breaches(served, contract)).toEqual([]);
  });

  it.each([
    ['Vendor', 'VendorConnection'],
    ['Finding', 'FindingConnection'],
    ['QuarantinedMessage', 'QuarantineConnection'],
    ['AccessLogEntry', 'AccessLogConnection'],
    ['DeletionRequest', 'DeletionRequestConnection'],
    ['BreachImpact', 'BreachImpactConnection'],
    ['BreachAffected', 'BreachAffectedConnection'],
  ])('should serve %s lists as a Relay connection %s with totalCount', (node, connection) => {
    expect(connectionBreaches(served, node, connection)).toEqual([]);
  });

  it('should find a field the contract names when the schema drops it, renames it or loosens it', () => {
    // The check itself, on a schema that breaks the contract three ways.
    const broken = buildSchema(`
      type Query { ledger: LedgerState }
      type LedgerState { treeSize: Int!, root: String!, checkpoint: String }
      scalar DateTime`);
    const ledger = parse(`
      type Query { ledger: LedgerState! }
      type LedgerState { treeSize: Int!, rootHash: String!, checkpoint: String! }`).definitions;
    expect(breaches(broken, ledger)).toEqual([
      'Query.ledger: LedgerState, CONTRACT says LedgerState!',
      'LedgerState.rootHash is missing',
      'LedgerState.checkpoint: String, CONTRACT says String!',
    ]);
  });
});
