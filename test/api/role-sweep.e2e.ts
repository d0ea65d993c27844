// Role rules field by field (CONTRACT 3 and 3.1), against the real API. The list of query
// fields and their arguments comes from the served schema itself, so a field without a
// rule below fails this suite: decide its rule from CONTRACT's words and add it. The
// expectations are CONTRACT's, not the code's:
// - no token, an expired one, one signed with another key: HTTP 401, for every field;
// - a token whose only role is none of the three: no field is answered;
// - privacy_officer: everything; auditor: everything but the access log (and no clear
//   patient identifier anywhere); vendor: only what concerns its vendorId: lists filtered
//   to it, naming another vendor, a patient's accounting, the quarantine or the access log
//   FORBIDDEN, patientPseudonym null in deletion requests and breach reports.
// Reproduce a break: run this file; each failure names the field, the role and the rule.
import { mintToken, type Role } from '@scantrail/access';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  getNamedType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import type { DataSource } from 'typeorm';
import type { RunningApi } from '../../apps/api/src/bootstrap';
import { printApiSchema } from '../../apps/api/src/graphql/api-schema';
import {
  createTestDatabase,
  testLogger,
  testSettings,
  type TestDatabase,
} from '../support/test-env';
import { ACME, CLOUD, GHOST, PATIENT_P, PATIENT_Q, RESEARCH, S1 } from './api-scenario';
import { startScenarioApi } from './scenario-api';

const settings = testSettings();
let db: TestDatabase;
let api: RunningApi;
let apiDataSource: DataSource;

type Rule = 'allow' | 'forbid' | 'either';
interface FieldRule {
  auditor: Rule;
  vendor: Rule;
}
/** CONTRACT 3: what each role may ask of each Query field (privacy_officer: everything). */
const RULES: Record<string, FieldRule> = {
  study: { auditor: 'allow', vendor: 'either' },
  trace: { auditor: 'allow', vendor: 'either' },
  accountingOfDisclosures: { auditor: 'either', vendor: 'forbid' }, // "a patient's accounting"
  vendor: { auditor: 'allow', vendor: 'forbid' }, // asked below for another vendor
  vendors: { auditor: 'allow', vendor: 'allow' },
  findings: { auditor: 'allow', vendor: 'allow' },
  quarantine: { auditor: 'allow', vendor: 'forbid' },
  // Refused messages as the quarantine (re-used event ids): not a vendor's.
  duplicateConflicts: { auditor: 'allow', vendor: 'forbid' },
  // What Kafka no longer held when the ingest came to read it (s35-lost): the hospital's.
  ingestGaps: { auditor: 'allow', vendor: 'forbid' },
  ledger: { auditor: 'allow', vendor: 'either' },
  ledgerEntry: { auditor: 'allow', vendor: 'either' },
  inclusionProof: { auditor: 'allow', vendor: 'either' },
  consistencyProof: { auditor: 'allow', vendor: 'either' },
  verifierKey: { auditor: 'allow', vendor: 'either' },
  accessLog: { auditor: 'forbid', vendor: 'forbid' },
  deletionRequest: { auditor: 'allow', vendor: 'either' },
  deletionRequests: { auditor: 'allow', vendor: 'allow' },
  breachImpact: { auditor: 'allow', vendor: 'either' },
  breaches: { auditor: 'allow', vendor: 'allow' },
  // Beyond CONTRACT's list: its general words (a vendor sees what concerns it only).
  bridgeDestinations: { auditor: 'allow', vendor: 'either' },
  bridgeState: { auditor: 'allow', vendor: 'either' },
  // Every send the bridges could not record (s35-unrec): as the quarantine, the hospital's.
  bridgeUnrecordedSends: { auditor: 'allow', vendor: 'forbid' },
  deletionObligationsByVendor: { auditor: 'allow', vendor: 'either' },
  findingCountsByCode: { auditor: 'allow', vendor: 'either' },
  findingCountsByMonth: { auditor: 'allow', vendor: 'either' },
  findingCountsByVendor: { auditor: 'allow', vendor: 'either' },
};

const token = (roles: string[], vendorId?: string, now?: number): string =>
  mintToken({
    secret: settings.authJwtSecret,
    sub: `sweep-${roles.join('-')}`,
    roles: roles as Role[],
    vendorId,
    ttlSeconds: 600,
    now,
  });

interface Answer {
  status: number;
  text: string;
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: { code?: string } }[];
}

/** Where two texts first differ, with a little of each from there. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `character ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 60), i + 60))} / ${JSON.stringify(b.slice(Math.max(0, i - 60), i + 60))}`;
}

async function ask(bearer: string | undefined, query: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(api.url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  let body: Omit<Answer, 'status' | 'text'> = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // not JSON: status and text say enough
  }
  return { status: response.status, text, ...body };
}

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface SchemaField {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
function typeRef(t: GraphQLType): TypeRef {
  if (isNonNullType(t)) return { kind: 'NON_NULL', name: null, ofType: typeRef(t.ofType) };
  if (isListType(t)) return { kind: 'LIST', name: null, ofType: typeRef(t.ofType) };
  const kind = isObjectType(t)
    ? 'OBJECT'
    : isEnumType(t)
      ? 'ENUM'
      : isInputObjectType(t)
        ? 'INPUT_OBJECT'
        : 'SCALAR';
  return { kind, name: t.name, ofType: null };
}
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);

/** A value for a required argument, by its type (another vendor where one is named). */
function argument(name: string, type: TypeRef): string {
  const n = named(type).name;
  if (name === 'vendorId') return JSON.stringify(CLOUD);
  if (name === 'vendorIds') return JSON.stringify([CLOUD]);
  if (n === 'PatientIdentifierInput')
    return `{ system: ${JSON.stringify(PATIENT_P.system)}, value: ${JSON.stringify(PATIENT_P.value)} }`;
  if (n === 'Int') return name === 'toSize' || name === 'treeSize' ? '2' : '1';
  if (n === 'Boolean') return 'false';
  if (n === 'DateTime') return '"2024-06-01T00:00:00Z"';
  if (name === 'studyInstanceUid') return JSON.stringify(S1);
  return '"sweep-unknown-id"';
}

const NAMES_VENDOR = ['vendorId', 'vendorIds'];

function fieldQuery(field: SchemaField): string {
  const args = field.args
    .filter((a) => a.type.kind === 'NON_NULL' || NAMES_VENDOR.includes(a.name))
    .map((a) => `${a.name}: ${argument(a.name, a.type)}`);
  const kind = named(field.type).kind;
  const selection =
    kind === 'OBJECT' || kind === 'INTERFACE' || kind === 'UNION' ? ' { __typename }' : '';
  return `{ ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
}

const forbidden = (a: Answer, field: string): boolean =>
  (a.errors ?? []).some(
    (e) => e.extensions?.code === 'FORBIDDEN' && (e.path?.[0] ?? field) === field,
  ) && (a.data?.[field] ?? null) === null;

let fields: SchemaField[] = [];
let schema: GraphQLSchema;

/** Every leaf field within `depth` object levels (fields needing arguments left out). */
function deepSelection(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return '';
  const parts: string[] = [];
  for (const f of Object.values(type.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const inner = getNamedType(f.type);
    if (isObjectType(inner)) {
      if (depth > 1) {
        const sub = deepSelection(inner, depth - 1);
        if (sub) parts.push(`${f.name} ${sub}`);
      }
    } else parts.push(f.name);
  }
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}

const CLEAR = [PATIENT_P.value, PATIENT_Q.value];

beforeAll(async () => {
  db = await createTestDatabase();
  const extra = [
    cloudEvent(
      'org.scantrail.deletion.requested',
      exampleData('org.scantrail.deletion.requested', {
        requestId: 'del-sweep-1',
        patient: PATIENT_P,
        dueBy: '2030-01-01',
        scope: undefined,
      }),
      { time: '2024-09-01T00:00:00Z' },
    ),
    cloudEvent(
      'org.scantrail.breach.reported',
      exampleData('org.scantrail.breach.reported', {
        breachId: 'brc-sweep-acme',
        vendorId: ACME,
        discoveredAt: '2024-10-01',
        exposureFrom: undefined,
        exposureTo: undefined,
        affectedTargets: undefined,
      }),
      { time: '2024-10-02T00:00:00Z' },
    ),
    cloudEvent(
      'org.scantrail.breach.reported',
      exampleData('org.scantrail.breach.reported', {
        breachId: 'brc-sweep-cloud',
        vendorId: CLOUD,
        discoveredAt: '2024-10-01',
        exposureFrom: undefined,
        exposureTo: undefined,
        affectedTargets: undefined,
      }),
      { time: '2024-10-02T00:00:00Z' },
    ),
  ];
  // As the API's own role (npm start's): a field reading a table it may not read, or
  // writing anything but the access log, fails here.
  ({ api, apiDataSource } = await startScenarioApi({
    db,
    settings,
    extra,
    name: 'role-sweep-api',
    logger: testLogger,
  }));
  // The schema the API serves, built from its resolvers (introspection is off in the API).
  schema = buildSchema(await printApiSchema());
  const queryType = schema.getQueryType();
  fields = Object.values(queryType?.getFields() ?? {}).map((f) => ({
    name: f.name,
    args: f.args.map((a) => ({ name: a.name, type: typeRef(a.type) })),
    type: typeRef(f.type),
  }));
});

afterAll(async () => {
  await api?.close();
  await apiDataSource?.destroy();
  await db?.drop();
});

describe('role rules, field by field', () => {
  it('should have a rule for every query field the API serves', () => {
    expect(fields.length).toBeGreaterThan(10);
    const without = fields.map((f) => f.name).filter((n) => !(n in RULES));
    expect({ fieldsWithoutARoleRule: without }).toEqual({ fieldsWithoutARoleRule: [] });
  });

  it('should answer 401 to no token, an expired token and a forged one, for every field', async () => {
    const forged = mintToken({
      secret: Buffer.from('another-key-'.repeat(4)),
      sub: 'x',
      roles: ['privacy_officer'],
      ttlSeconds: 600,
    });
    const expired = token(['privacy_officer'], undefined, Date.now() - 3_600_000);
    const broken: string[] = [];
    for (const field of fields) {
      for (const [who, bearer] of [
        ['no token', undefined],
        ['expired', expired],
        ['forged', forged],
      ] as const) {
        const a = await ask(bearer, fieldQuery(field));
        if (a.status !== 401 || a.text.includes(PATIENT_P.value))
          broken.push(`${field.name} ${who}: HTTP ${a.status}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('should answer no field to a token whose role is none of the three', async () => {
    const stranger = token(['janitor']);
    const broken: string[] = [];
    for (const field of fields) {
      const a = await ask(stranger, fieldQuery(field));
      if (a.status !== 401 && !forbidden(a, field.name))
        broken.push(`${field.name}: HTTP ${a.status} ${a.text.slice(0, 120)}`);
    }
    expect(broken).toEqual([]);
  });

  it('should refuse and allow each field by role as CONTRACT 3 says, with no clear patient identifier', async () => {
    const roles = {
      privacy_officer: token(['privacy_officer']),
      auditor: token(['auditor']),
      vendor: token(['vendor'], ACME),
    };
    const broken: string[] = [];
    for (const field of fields) {
      const rule = RULES[field.name];
      if (!rule) continue;
      for (const [role, bearer] of Object.entries(roles)) {
        // The query names another vendor wherever an argument takes one: FORBIDDEN.
        const namesAVendor = field.args.some((x) => NAMES_VENDOR.includes(x.name));
        const expected: Rule =
          role === 'privacy_officer'
            ? 'allow'
            : role === 'vendor' && namesAVendor
              ? 'forbid'
              : rule[role as keyof FieldRule];
        const a = await ask(bearer, fieldQuery(field));
        const refused = forbidden(a, field.name);
        if (expected === 'forbid' && !refused)
          broken.push(`${field.name} as ${role}: not FORBIDDEN (${a.text.slice(0, 160)})`);
        if (expected === 'allow' && refused)
          broken.push(`${field.name} as ${role}: FORBIDDEN, CONTRACT allows it`);
        if (role !== 'privacy_officer' && CLEAR.some((v) => a.text.includes(v)))
          broken.push(`${field.name} as ${role}: a clear patient identifier`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('should show no clear patient identifier to an auditor or a vendor, nor a vendor other vendors, in any field read deep', async () => {
    const roles = { auditor: token(['auditor']), vendor: token(['vendor'], ACME) };
    const broken: string[] = [];
    let answered = 0;
    for (const field of fields) {
      const f = schema.getQueryType()?.getFields()[field.name];
      if (!f) continue;
      const args = field.args
        .filter((a) => a.type.kind === 'NON_NULL')
        .map(
          (a) =>
            `${a.name}: ${argument(a.name, a.type).replace(JSON.stringify(CLOUD), JSON.stringify(ACME))}`,
        );
      const base = `${field.name}${args.length ? `(${args.join(', ')})` : ''}`;
      for (const [role, bearer] of Object.entries(roles)) {
        // As deep as the API's cost limit lets one ask.
        let a: Answer = { status: 0, text: '' };
        for (const depth of [4, 3, 2, 1]) {
          a = await ask(bearer, `{ ${base} ${deepSelection(getNamedType(f.type), depth)} }`);
          if (!/too expensive|nested \d+ levels/.test(a.text)) break;
        }
        if ((a.errors ?? []).some((e) => e.extensions?.code !== 'FORBIDDEN')) {
          broken.push(`${field.name} as ${role}: ${JSON.stringify(a.errors).slice(0, 200)}`);
        }
        if (a.data?.[field.name]) answered += 1;
        for (const v of CLEAR)
          if (a.text.includes(v)) broken.push(`${field.name} as ${role}: ${v} in clear`);
        if (role === 'vendor') {
          for (const other of [RESEARCH, GHOST, 'Research Partner University']) {
            if (a.text.includes(other)) broken.push(`${field.name} as vendor ${ACME}: ${other}`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
    expect(answered).toBeGreaterThan(10);
  });

  it('should answer every field read deep the same once the API runs it compiled (graphql-jit), for each role', async () => {
    // The API runs a query operation with graphql-js until it has run it twice, then
    // compiled (compiledQueryPlugin): the fourth answer is the compiled executor's, and it
    // must be the first one byte for byte (status, data, errors, their codes and paths).
    const roles = {
      privacy_officer: token(['privacy_officer']),
      auditor: token(['auditor']),
      vendor: token(['vendor'], ACME),
    };
    // The values counted from now: the findings' lag, and an accounting's default period
    // (the six years up to now).
    const steady = (text: string): string =>
      text
        .replace(/"findingsLagSeconds":[0-9.e+-]+/g, '"findingsLagSeconds":0')
        .replace(/"from":"[0-9T:.-]+Z","to":"[0-9T:.-]+Z"\}\}\}\n?$/, '"from":"-","to":"now"}}}');
    const differ: string[] = [];
    let compared = 0;
    const documents = fields.flatMap((field) => {
      const f = schema.getQueryType()?.getFields()[field.name];
      if (!f) return [];
      const args = field.args
        .filter((a) => a.type.kind === 'NON_NULL')
        .map((a) => `${a.name}: ${argument(a.name, a.type)}`);
      return [
        `{ ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${deepSelection(getNamedType(f.type), 2)} }`,
      ];
    });
    // Errors raised while executing, beside data: an argument a resolver refuses, a vendor
    // naming another vendor (FORBIDDEN from the guard), a forged cursor.
    documents.push(
      `{ ledger { treeSize } findings(first: 501) { totalCount } }`,
      `{ ledger { treeSize } vendor(vendorId: ${JSON.stringify(CLOUD)}) { name } }`,
      `{ vendors(first: 1) { totalCount } findings(first: 2, after: "forged") { totalCount } }`,
    );
    for (const query of documents) {
      const name = query.slice(0, 60);
      for (const [role, bearer] of Object.entries(roles)) {
        const answers: Answer[] = [];
        for (let run = 0; run < 4; run++) answers.push(await ask(bearer, query));
        const [first, , , compiled] = answers;
        compared += 1;
        if (compiled.status !== first.status || steady(compiled.text) !== steady(first.text)) {
          differ.push(
            `${name} as ${role}: ${first.status} -> ${compiled.status}, from ${firstDifference(steady(first.text), steady(compiled.text))}`,
          );
        }
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBeGreaterThan(60);
  });

  it('should show a vendor no ledger entry that concerns only other vendors', async () => {
    const vendor = token(['vendor'], ACME);
    const size = await ask(token(['privacy_officer']), '{ ledger { treeSize } }');
    const treeSize = (size.data as { ledger: { treeSize: number } }).ledger.treeSize;
    expect(treeSize).toBeGreaterThan(20);
    const broken: string[] = [];
    for (let sequence = 0; sequence < treeSize; sequence += 1) {
      const a = await ask(vendor, `{ ledgerEntry(sequence: ${sequence}) { leafData } }`);
      for (const other of [RESEARCH, GHOST, ...CLEAR]) {
        if (a.text.includes(other)) broken.push(`ledgerEntry(${sequence}): ${other}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("should filter a vendor's lists to its own vendor and show it no patient pseudonym", async () => {
    const vendor = token(['vendor'], ACME);
    const a = await ask(
      vendor,
      `{ vendors { edges { node { vendorId } } }
         findings { edges { node { vendorId } } }
         deletionRequests { edges { node { requestId patientPseudonym obligations { vendor { vendorId } } } } }
         deletionRequest(requestId: "del-sweep-1") { patientPseudonym obligations { vendor { vendorId } } }
         breaches { edges { node { breachId patientPseudonym: vendor { vendorId } affected { edges { node { patientPseudonym } } } } } }
         breachImpact(breachId: "brc-sweep-acme") { vendor { vendorId } affected { edges { node { patientPseudonym } } } }
         study(studyInstanceUid: ${JSON.stringify(S1)}) { disclosures { recipient { vendorId } } findings { vendorId } }
         trace(studyInstanceUid: ${JSON.stringify(S1)}) { nodes { id kind } } }`,
    );
    expect(a.errors ?? []).toEqual([]);
    const text = a.text;
    const vendorIds = [...text.matchAll(/"vendorId":"([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(vendorIds)).toEqual(new Set([ACME]));
    const pseudonyms = [...text.matchAll(/"patientPseudonym":(null|"[^"]*")/g)].map((m) => m[1]);
    expect(pseudonyms.length).toBeGreaterThan(0);
    expect(new Set(pseudonyms)).toEqual(new Set(['null']));
    const data = a.data as { trace: { nodes: { id: string; kind: string }[] } };
    // Acme's onward transfer to Cloud concerns Acme; nobody else's receipt does.
    const otherVendors = data.trace.nodes.filter(
      (n) => n.kind === 'VENDOR' && n.id !== ACME && n.id !== CLOUD,
    );
    expect({ otherVendorsInTrace: otherVendors }).toEqual({ otherVendorsInTrace: [] });
    const own = await ask(
      vendor,
      `{ deletionObligationsByVendor { vendor { vendorId } }
         bridgeDestinations { vendorId }
         findingCountsByVendor(vendorIds: ["${ACME}"]) { vendorId } }`,
    );
    const ownIds = [...own.text.matchAll(/"vendorId":"([^"]*)"/g)].map((m) => m[1]);
    expect({ errors: own.errors ?? [], otherVendors: ownIds.filter((v) => v !== ACME) }).toEqual({
      errors: [],
      otherVendors: [],
    });
    for (const breach of ['brc-sweep-cloud']) {
      const other = await ask(vendor, `{ breachImpact(breachId: "${breach}") { breachId } }`);
      expect(forbidden(other, 'breachImpact')).toBe(true);
    }
  });
});
