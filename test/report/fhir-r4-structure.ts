// A small structural validator for the FHIR R4 resources the accounting export writes:
// Bundle, AuditEvent and Binary, with their datatypes. It checks what the R4 JSON schema
// and the base invariants would (known elements only, cardinalities, primitive formats,
// required codes from their value sets, no empty arrays or strings) and, on top, the
// IHE BALP "PrivacyDisclosure.Source" constraints. It returns every problem with its
// path; an empty list means the resource holds. Written from the R4 AuditEvent page
// (hl7.org/fhir/R4/auditevent.html) and BALP's Disclose.fsh, since no R4 schema package
// is installed.

import { PURPOSES } from '@scantrail/contract';

type Json = Record<string, unknown>;

/** FHIR R4 primitive formats (hl7.org/fhir/R4/datatypes.html). */
const INSTANT =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
const DATE_TIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const CODE = /^[^\s]+( [^\s]+)*$/;
const URI = /^\S+$/;
const BASE64 = /^(\s*([0-9a-zA-Z+/=]){4}\s*)+$/;

const R4_AUDIT_EVENT_ACTION = ['C', 'R', 'U', 'D', 'E'];
const R4_AUDIT_EVENT_OUTCOME = ['0', '4', '8', '12'];
const R4_NETWORK_TYPE = ['1', '2', '3', '4', '5'];
const R4_BUNDLE_TYPE = [
  'document',
  'message',
  'transaction',
  'transaction-response',
  'batch',
  'batch-response',
  'history',
  'searchset',
  'collection',
];

/** The code systems the export may use, with the codes each allows. */
export const KNOWN_CODES: Readonly<Record<string, readonly string[] | 'any'>> = {
  'http://dicom.nema.org/resources/ontology/DCM': ['110106', '110152', '110153'],
  'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle': ['disclose'],
  'http://terminology.hl7.org/CodeSystem/v3-ActReason': [
    'TREAT',
    'HPAYMT',
    'HOPERAT',
    'HQUALIMP',
    'HRESCH',
    'PUBHLTH',
    'HLEGAL',
  ],
  'http://snomed.info/sct': ['159541003', '429577009'],
  'http://terminology.hl7.org/CodeSystem/audit-entity-type': ['1', '2', '3', '4'],
  'http://terminology.hl7.org/CodeSystem/object-role': Array.from({ length: 24 }, (_, i) =>
    String(i + 1),
  ),
  'http://terminology.hl7.org/CodeSystem/security-source-type': Array.from({ length: 9 }, (_, i) =>
    String(i + 1),
  ),
  // scantrail's own code system is the contract's Purpose enumeration.
  'https://scantrail.local/fhir/CodeSystem/purpose': PURPOSES,
};

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  object(value: unknown, path: string): value is Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, 'must be a JSON object');
      return false;
    }
    if (Object.keys(value).length === 0) this.fail(path, 'must not be empty');
    return true;
  }

  /** Only the elements R4 defines for the type (JSON of FHIR rejects others). */
  known(value: Json, path: string, elements: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!elements.includes(key)) this.fail(`${path}.${key}`, 'is not an element of this type');
    }
  }

  /** Cardinality min..max, read as a list (0..1 and 1..1 must not be arrays). */
  items(parent: Json, name: string, path: string, min: number, max: number): unknown[] {
    const value = parent[name];
    const at = `${path}.${name}`;
    if (value === undefined) {
      if (min > 0) this.fail(at, `is required (${min}..${max === Infinity ? '*' : max})`);
      return [];
    }
    if (value === null) {
      this.fail(at, 'must not be null');
      return [];
    }
    if (max === 1) {
      if (Array.isArray(value)) {
        this.fail(at, 'must be a single value, not an array');
        return [];
      }
      return [value];
    }
    if (!Array.isArray(value)) {
      this.fail(at, 'must be an array');
      return [];
    }
    if (value.length === 0) this.fail(at, 'must not be an empty array');
    if (value.length < min) this.fail(at, `needs at least ${min} items`);
    if (value.length > max) this.fail(at, `allows at most ${max} items`);
    return value as unknown[];
  }

  string(
    parent: Json,
    name: string,
    path: string,
    min: 0 | 1,
    pattern?: RegExp,
  ): string | undefined {
    const [value] = this.items(parent, name, path, min, 1);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`${path}.${name}`, 'must be a non-empty string');
      return undefined;
    }
    if (pattern !== undefined && !pattern.test(value)) {
      this.fail(`${path}.${name}`, `has a bad format: ${JSON.stringify(value)}`);
    }
    return value;
  }

  boolean(parent: Json, name: string, path: string, min: 0 | 1): void {
    const [value] = this.items(parent, name, path, min, 1);
    if (value !== undefined && typeof value !== 'boolean') {
      this.fail(`${path}.${name}`, 'must be a boolean');
    }
  }

  code(parent: Json, name: string, path: string, min: 0 | 1, allowed: readonly string[]): void {
    const value = this.string(parent, name, path, min, CODE);
    if (value !== undefined && !allowed.includes(value)) {
      this.fail(`${path}.${name}`, `must be one of ${allowed.join(', ')}, got ${value}`);
    }
  }

  coding(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    this.known(value, path, ['system', 'version', 'code', 'display', 'userSelected']);
    const system = this.string(value, 'system', path, 1, URI);
    const code = this.string(value, 'code', path, 1, CODE);
    this.string(value, 'display', path, 0);
    this.boolean(value, 'userSelected', path, 0);
    if (system === undefined || code === undefined) return;
    const codes = KNOWN_CODES[system];
    if (codes === undefined)
      this.fail(`${path}.system`, `is not a code system we expect: ${system}`);
    else if (codes !== 'any' && !codes.includes(code)) {
      this.fail(`${path}.code`, `${code} is not a code of ${system}`);
    }
  }

  codeableConcept(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    this.known(value, path, ['coding', 'text']);
    this.items(value, 'coding', path, 0, Infinity).forEach((c, i) =>
      this.coding(c, `${path}.coding[${i}]`),
    );
    this.string(value, 'text', path, 0);
  }

  identifier(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    this.known(value, path, ['use', 'type', 'system', 'value', 'period', 'assigner']);
    this.string(value, 'system', path, 0, URI);
    this.string(value, 'value', path, 0);
  }

  reference(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    this.known(value, path, ['reference', 'type', 'identifier', 'display']);
    this.string(value, 'reference', path, 0);
    this.string(value, 'type', path, 0, URI);
    this.items(value, 'identifier', path, 0, 1).forEach((v) =>
      this.identifier(v, `${path}.identifier`),
    );
    this.string(value, 'display', path, 0);
    // ref-1 and common sense: a reference names something.
    if (
      value.reference === undefined &&
      value.identifier === undefined &&
      value.display === undefined
    ) {
      this.fail(path, 'must have a reference, an identifier or a display');
    }
  }

  period(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    this.known(value, path, ['start', 'end']);
    const start = this.string(value, 'start', path, 0, DATE_TIME);
    const end = this.string(value, 'end', path, 0, DATE_TIME);
    if (start !== undefined && end !== undefined && Date.parse(start) > Date.parse(end)) {
      this.fail(path, 'per-1: start must not be after end');
    }
  }
}

const AUDIT_EVENT_ELEMENTS = [
  'resourceType',
  'id',
  'meta',
  'implicitRules',
  'language',
  'text',
  'contained',
  'extension',
  'modifierExtension',
  'type',
  'subtype',
  'action',
  'period',
  'recorded',
  'outcome',
  'outcomeDesc',
  'purposeOfEvent',
  'agent',
  'source',
  'entity',
];

function checkMeta(c: Checker, resource: Json, path: string): void {
  c.string(resource, 'id', path, 0, ID);
  c.items(resource, 'meta', path, 0, 1).forEach((meta) => {
    if (!c.object(meta, `${path}.meta`)) return;
    c.known(meta, `${path}.meta`, [
      'versionId',
      'lastUpdated',
      'source',
      'profile',
      'security',
      'tag',
    ]);
    c.string(meta, 'lastUpdated', `${path}.meta`, 0, INSTANT);
    c.items(meta, 'profile', `${path}.meta`, 0, Infinity).forEach((p, i) => {
      if (typeof p !== 'string' || !URI.test(p))
        c.fail(`${path}.meta.profile[${i}]`, 'must be a canonical URL');
    });
  });
}

/** Problems of one R4 AuditEvent (structure only). */
export function auditEventProblems(value: unknown, path = 'AuditEvent'): string[] {
  const c = new Checker();
  if (!c.object(value, path)) return c.problems;
  c.known(value, path, AUDIT_EVENT_ELEMENTS);
  if (value.resourceType !== 'AuditEvent') c.fail(`${path}.resourceType`, 'must be AuditEvent');
  checkMeta(c, value, path);
  c.items(value, 'type', path, 1, 1).forEach((t) => c.coding(t, `${path}.type`));
  c.items(value, 'subtype', path, 0, Infinity).forEach((s, i) =>
    c.coding(s, `${path}.subtype[${i}]`),
  );
  c.code(value, 'action', path, 0, R4_AUDIT_EVENT_ACTION);
  c.items(value, 'period', path, 0, 1).forEach((p) => c.period(p, `${path}.period`));
  c.string(value, 'recorded', path, 1, INSTANT);
  c.code(value, 'outcome', path, 0, R4_AUDIT_EVENT_OUTCOME);
  c.string(value, 'outcomeDesc', path, 0);
  c.items(value, 'purposeOfEvent', path, 0, Infinity).forEach((p, i) =>
    c.codeableConcept(p, `${path}.purposeOfEvent[${i}]`),
  );
  c.items(value, 'agent', path, 1, Infinity).forEach((agent, i) => {
    const at = `${path}.agent[${i}]`;
    if (!c.object(agent, at)) return;
    c.known(agent, at, [
      'type',
      'role',
      'who',
      'altId',
      'name',
      'requestor',
      'location',
      'policy',
      'media',
      'network',
      'purposeOfUse',
    ]);
    c.items(agent, 'type', at, 0, 1).forEach((t) => c.codeableConcept(t, `${at}.type`));
    c.items(agent, 'who', at, 0, 1).forEach((w) => c.reference(w, `${at}.who`));
    c.string(agent, 'name', at, 0);
    c.boolean(agent, 'requestor', at, 1);
    c.items(agent, 'network', at, 0, 1).forEach((n) => {
      if (!c.object(n, `${at}.network`)) return;
      c.known(n, `${at}.network`, ['address', 'type']);
      c.string(n, 'address', `${at}.network`, 0);
      c.code(n, 'type', `${at}.network`, 0, R4_NETWORK_TYPE);
    });
    c.items(agent, 'purposeOfUse', at, 0, Infinity).forEach((p, j) =>
      c.codeableConcept(p, `${at}.purposeOfUse[${j}]`),
    );
  });
  c.items(value, 'source', path, 1, 1).forEach((source) => {
    const at = `${path}.source`;
    if (!c.object(source, at)) return;
    c.known(source, at, ['site', 'observer', 'type']);
    c.string(source, 'site', at, 0);
    c.items(source, 'observer', at, 1, 1).forEach((o) => c.reference(o, `${at}.observer`));
    c.items(source, 'type', at, 0, Infinity).forEach((t, i) => c.coding(t, `${at}.type[${i}]`));
  });
  c.items(value, 'entity', path, 0, Infinity).forEach((entity, i) => {
    const at = `${path}.entity[${i}]`;
    if (!c.object(entity, at)) return;
    c.known(entity, at, [
      'what',
      'type',
      'role',
      'lifecycle',
      'securityLabel',
      'name',
      'description',
      'query',
      'detail',
    ]);
    c.items(entity, 'what', at, 0, 1).forEach((w) => c.reference(w, `${at}.what`));
    for (const name of ['type', 'role', 'lifecycle']) {
      c.items(entity, name, at, 0, 1).forEach((v) => c.coding(v, `${at}.${name}`));
    }
    c.string(entity, 'name', at, 0);
    c.string(entity, 'description', at, 0);
    c.string(entity, 'query', at, 0, BASE64);
    if (entity.name !== undefined && entity.query !== undefined)
      c.fail(at, 'sev-1: name or query, not both');
    c.items(entity, 'detail', at, 0, Infinity).forEach((d, j) => {
      const dt = `${at}.detail[${j}]`;
      if (!c.object(d, dt)) return;
      c.known(d, dt, ['type', 'valueString', 'valueBase64Binary']);
      c.string(d, 'type', dt, 1);
      const values = ['valueString', 'valueBase64Binary'].filter((k) => d[k] !== undefined);
      if (values.length !== 1) c.fail(dt, 'value[x] is required, exactly one');
      c.string(d, 'valueString', dt, 0);
      c.string(d, 'valueBase64Binary', dt, 0, BASE64);
    });
  });
  return c.problems;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

function hasCoding(concept: unknown, system: string, code: string): boolean {
  const coding = (concept as { coding?: { system?: string; code?: string }[] } | undefined)?.coding;
  return (coding ?? []).some((c) => c.system === system && c.code === code);
}

/** Problems against IHE BALP "Audit Event for Privacy Disclosure at Source". */
export function balpPrivacyDisclosureSourceProblems(event: Json, path = 'AuditEvent'): string[] {
  const problems: string[] = [];
  const fail = (at: string, message: string): number => problems.push(`${path}${at}: ${message}`);
  const type = event.type as { system?: string; code?: string } | undefined;
  if (type?.system !== DCM || type.code !== '110106') fail('.type', 'must be DCM#110106 (Export)');
  const subtypes = (event.subtype ?? []) as { system?: string; code?: string }[];
  if (
    !subtypes.some(
      (s) =>
        s.system === 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle' &&
        s.code === 'disclose',
    )
  ) {
    fail('.subtype', 'must include iso-21089-lifecycle#disclose');
  }
  if (event.action !== 'R') fail('.action', 'must be R');
  if (event.outcome === undefined) fail('.outcome', 'is required (1..1)');
  const agents = (event.agent ?? []) as Json[];
  if (agents.length < 2) fail('.agent', 'needs at least 2 agents');
  const sources = agents.filter((a) => hasCoding(a.type, DCM, '110153'));
  const recipients = agents.filter((a) => hasCoding(a.type, DCM, '110152'));
  if (sources.length !== 1) fail('.agent', 'needs exactly one source agent (DCM#110153)');
  if (recipients.length !== 1) fail('.agent', 'needs exactly one recipient agent (DCM#110152)');
  for (const [name, agent] of [
    ['source', sources[0]],
    ['recipient', recipients[0]],
  ] as const) {
    if (agent === undefined) continue;
    if (agent.who === undefined) fail(`.agent[${name}].who`, 'is required (1..1)');
    if (agent.network === undefined) fail(`.agent[${name}].network`, 'is required (1..1)');
  }
  const observer = (event.source as Json | undefined)?.observer;
  if (sources[0] !== undefined && JSON.stringify(sources[0].who) !== JSON.stringify(observer)) {
    fail('.agent[source]', 'val-audit-source: who must equal source.observer');
  }
  const entities = (event.entity ?? []) as Json[];
  if (entities.length < 2) fail('.entity', 'needs at least 2 entities (patient and data)');
  const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
  const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
  const patients = entities.filter((e) => {
    const t = e.type as { system?: string; code?: string } | undefined;
    return t?.system === ENTITY_TYPE && t.code === '1';
  });
  if (patients.length !== 1) fail('.entity', 'needs exactly one patient entity (type 1 Person)');
  const patient = patients[0];
  if (patient !== undefined) {
    const role = patient.role as { system?: string; code?: string } | undefined;
    if (role?.system !== OBJECT_ROLE || role.code !== '1')
      fail('.entity[patient].role', 'must be object-role#1');
    const what = patient.what as { type?: string; reference?: string } | undefined;
    if (what === undefined) fail('.entity[patient].what', 'is required (1..1)');
    else if (what.type !== 'Patient' && !(what.reference ?? '').startsWith('Patient/')) {
      fail('.entity[patient].what', 'must reference a Patient');
    }
  }
  return problems;
}

/** Problems of a Bundle and of every resource in it. */
export function bundleProblems(value: unknown): string[] {
  const c = new Checker();
  const path = 'Bundle';
  if (!c.object(value, path)) return c.problems;
  c.known(value, path, [
    'resourceType',
    'id',
    'meta',
    'implicitRules',
    'language',
    'identifier',
    'type',
    'timestamp',
    'total',
    'link',
    'entry',
    'signature',
  ]);
  if (value.resourceType !== 'Bundle') c.fail(`${path}.resourceType`, 'must be Bundle');
  checkMeta(c, value, path);
  c.items(value, 'identifier', path, 0, 1).forEach((i) => c.identifier(i, `${path}.identifier`));
  c.code(value, 'type', path, 1, R4_BUNDLE_TYPE);
  c.string(value, 'timestamp', path, 0, INSTANT);
  if (value.total !== undefined && value.type !== 'searchset' && value.type !== 'history') {
    c.fail(`${path}.total`, 'bdl-1: only for a searchset or history');
  }
  const nested: string[] = [];
  const fullUrls = new Set<string>();
  c.items(value, 'entry', path, 0, Infinity).forEach((entry, i) => {
    const at = `${path}.entry[${i}]`;
    if (!c.object(entry, at)) return;
    c.known(entry, at, ['link', 'fullUrl', 'resource', 'search', 'request', 'response']);
    const fullUrl = c.string(entry, 'fullUrl', at, 0, URI);
    if (fullUrl !== undefined) {
      if (fullUrls.has(fullUrl)) c.fail(`${at}.fullUrl`, 'bdl-7: must be unique');
      fullUrls.add(fullUrl);
      const resource = entry.resource as Json | undefined;
      if (
        fullUrl.startsWith('urn:uuid:') &&
        typeof resource?.id === 'string' &&
        fullUrl !== `urn:uuid:${resource.id}`
      ) {
        c.fail(`${at}.fullUrl`, 'must end with the resource id');
      }
    }
    if (value.type === 'collection' && entry.search !== undefined)
      c.fail(`${at}.search`, 'bdl-2: only in a searchset');
    const [resource] = c.items(entry, 'resource', at, 1, 1);
    if (resource === undefined || !c.object(resource, `${at}.resource`)) return;
    if (resource.resourceType === 'AuditEvent') {
      nested.push(...auditEventProblems(resource, `${at}.resource`));
    } else if (resource.resourceType === 'Binary') {
      c.known(resource, `${at}.resource`, [
        'resourceType',
        'id',
        'meta',
        'contentType',
        'securityContext',
        'data',
      ]);
      checkMeta(c, resource, `${at}.resource`);
      c.string(resource, 'contentType', `${at}.resource`, 1, CODE);
      c.string(resource, 'data', `${at}.resource`, 0, BASE64);
    } else {
      c.fail(`${at}.resource.resourceType`, `unexpected ${String(resource.resourceType)}`);
    }
  });
  return [...c.problems, ...nested];
}
