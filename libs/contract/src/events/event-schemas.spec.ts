// Each event type of CONTRACT.md section 1, through the public decoder: what is accepted,
// and what is refused with a reason naming the field.
import { decodeEventMessage } from '../decode/cloud-event.decoder';
import { cloudEvent, encodeEvent, exampleData } from '../testing/event-factory';
import {
  AGREEMENT_KINDS,
  CONSENT_DECISIONS,
  EVENT_TYPES,
  LEGAL_BASES,
  MODEL_USAGES,
  PURPOSES,
  VENDOR_ROLES,
  type EventType,
} from './event-types';

function decodeData(type: string, data: unknown) {
  return decodeEventMessage(encodeEvent(cloudEvent(type, data)));
}

function reasonOf(type: string, data: unknown): string {
  const result = decodeData(type, data);
  if (result.ok) throw new Error(`expected ${type} to be refused`);
  return result.reason;
}

function withField(type: EventType, field: string, value: unknown): Record<string, unknown> {
  return { ...exampleData(type), [field]: value };
}

/** Required `data` fields per type, as CONTRACT.md section 1 lists them (no `?`). */
const REQUIRED: Record<EventType, string[]> = {
  'org.scantrail.vendor.registered': ['vendorId', 'name', 'role'],
  'org.scantrail.agreement.signed': [
    'agreementId',
    'vendorId',
    'kind',
    'permittedPurposes',
    'effectiveFrom',
    'allowsOnwardTransfer',
  ],
  'org.scantrail.agreement.terminated': ['agreementId'],
  'org.scantrail.study.registered': [
    'studyInstanceUid',
    'patient',
    'modality',
    'bodyPart',
    'studyDate',
    'facility',
  ],
  'org.scantrail.study.deidentified': [
    'sourceStudyInstanceUid',
    'derivedStudyInstanceUid',
    'methodCodes',
    'tool',
  ],
  'org.scantrail.consent.recorded': ['consentId', 'patient', 'decision', 'purposes', 'validFrom'],
  'org.scantrail.consent.revoked': ['consentId'],
  'org.scantrail.dataset.assembled': ['datasetId', 'name', 'studyInstanceUids'],
  'org.scantrail.disclosure.recorded': [
    'disclosureId',
    'recipientVendorId',
    'target',
    'purpose',
    'legalBasis',
  ],
  'org.scantrail.transfer.onward': [
    'transferId',
    'fromVendorId',
    'toVendorId',
    'target',
    'purpose',
  ],
  'org.scantrail.model.trained': ['vendorId', 'modelId', 'modelVersion', 'target', 'usage'],
  'org.scantrail.deletion.attested': ['vendorId', 'target'],
  'org.scantrail.deletion.requested': ['requestId', 'patient', 'dueBy'],
  'org.scantrail.breach.reported': ['breachId', 'vendorId', 'discoveredAt'],
  'org.scantrail.deidentification.inspected': [
    'inspectionId',
    'studyInstanceUid',
    'tool',
    'instances',
    'result',
  ],
};

const REQUIRED_CASES = EVENT_TYPES.flatMap((type) =>
  REQUIRED[type].map((field) => [type, field] as const),
);

describe('event data schemas', () => {
  it.each(EVENT_TYPES)('should accept %s when every field is given', (type) => {
    const data = exampleData(type);
    const result = decodeData(type, data);
    expect(result.ok && result.event.type).toBe(type);
    expect(result.ok && result.event.data).toEqual(data);
  });

  it.each(EVENT_TYPES)('should accept %s when only the required fields are given', (type) => {
    const full = exampleData(type) as unknown as Record<string, unknown>;
    const minimal = Object.fromEntries(REQUIRED[type].map((field) => [field, full[field]]));
    // Issues are present exactly when an inspection FAILs: the minimal inspection passes.
    if (type === 'org.scantrail.deidentification.inspected') minimal.result = 'PASS';
    const result = decodeData(type, minimal);
    expect(result.ok && result.event.data).toEqual(minimal);
  });

  it.each(REQUIRED_CASES)(
    'should refuse %s naming %s when that field is missing',
    (type, field) => {
      const data: Record<string, unknown> = { ...exampleData(type) };
      delete data[field];
      expect(reasonOf(type, data)).toBe(`invalid_data: data.${field}: is required`);
    },
  );

  it.each(EVENT_TYPES)(
    'should refuse %s naming the field when an unknown field is added',
    (type) => {
      expect(reasonOf(type, withField(type, 'vendorID', 'x'))).toBe(
        'invalid_data: data: unknown field "vendorID"',
      );
    },
  );

  it.each([
    ['org.scantrail.vendor.registered', 'name', 42, 'must be a string, got a number'],
    ['org.scantrail.agreement.signed', 'allowsOnwardTransfer', 'yes', 'must be a boolean'],
    ['org.scantrail.agreement.signed', 'permittedPurposes', 'RESEARCH', 'must be an array'],
    ['org.scantrail.study.deidentified', 'tool', 'deid 1.0', 'must be an object'],
    ['org.scantrail.consent.recorded', 'patient', null, 'must be an object, got null'],
    ['org.scantrail.dataset.assembled', 'studyInstanceUids', {}, 'must be an array'],
  ] as const)('should refuse %s when %s has the wrong type', (type, field, value, message) => {
    expect(reasonOf(type, withField(type, field, value))).toContain(`data.${field}: ${message}`);
  });

  it.each([
    ['org.scantrail.vendor.registered', 'vendorId'],
    ['org.scantrail.study.registered', 'facility'],
    ['org.scantrail.disclosure.recorded', 'disclosureId'],
    ['org.scantrail.model.trained', 'modelVersion'],
  ] as const)('should refuse %s when the id %s is an empty string', (type, field) => {
    expect(reasonOf(type, withField(type, field, ''))).toBe(
      `invalid_data: data.${field}: must not be empty`,
    );
  });
});

describe('enumerations', () => {
  const ENUM_FIELDS = [
    ['org.scantrail.vendor.registered', 'role', VENDOR_ROLES],
    ['org.scantrail.agreement.signed', 'kind', AGREEMENT_KINDS],
    ['org.scantrail.consent.recorded', 'decision', CONSENT_DECISIONS],
    ['org.scantrail.disclosure.recorded', 'legalBasis', LEGAL_BASES],
    ['org.scantrail.disclosure.recorded', 'purpose', PURPOSES],
    ['org.scantrail.transfer.onward', 'purpose', PURPOSES],
    ['org.scantrail.dataset.assembled', 'purpose', PURPOSES],
    ['org.scantrail.model.trained', 'usage', MODEL_USAGES],
  ] as const;

  const ACCEPT_CASES = ENUM_FIELDS.flatMap(([type, field, values]) =>
    values.map((value) => [type, field, value] as const),
  );

  it.each(ACCEPT_CASES)('should accept %s when %s is %s', (type, field, value) => {
    expect(decodeData(type, withField(type, field, value)).ok).toBe(true);
  });

  it.each(ENUM_FIELDS)(
    'should refuse %s listing the values when %s is not one of them',
    (type, field, values) => {
      for (const bad of ['NOT_A_VALUE', values[0].toLowerCase(), '']) {
        expect(reasonOf(type, withField(type, field, bad))).toBe(
          `invalid_data: data.${field}: must be one of ${values.join(', ')}`,
        );
      }
    },
  );

  it.each([
    ['org.scantrail.agreement.signed', 'permittedPurposes'],
    ['org.scantrail.consent.recorded', 'purposes'],
  ] as const)(
    'should refuse %s naming the item when %s holds an unknown purpose',
    (type, field) => {
      expect(reasonOf(type, withField(type, field, ['RESEARCH', 'MARKETING']))).toContain(
        `data.${field}[1]: must be one of TREATMENT`,
      );
    },
  );

  it.each([
    ['ct', 'lower case'],
    ['C T ', 'a trailing space'],
    ['COMPUTED_TOMOGRAPHY', 'more than 16 characters'],
  ])('should refuse a modality %j when it has %s', (modality) => {
    const type = 'org.scantrail.study.registered';
    expect(reasonOf(type, withField(type, 'modality', modality))).toMatch(
      /^invalid_data: data\.modality: must (be a DICOM code string|be at most 16 characters)/,
    );
  });
});

describe('non-empty lists', () => {
  it.each([
    ['org.scantrail.agreement.signed', 'permittedPurposes'],
    ['org.scantrail.study.deidentified', 'methodCodes'],
    ['org.scantrail.consent.recorded', 'purposes'],
    ['org.scantrail.consent.recorded', 'vendorIds'],
    ['org.scantrail.dataset.assembled', 'studyInstanceUids'],
    ['org.scantrail.breach.reported', 'affectedTargets'],
  ] as const)('should refuse %s when %s is empty', (type, field) => {
    expect(reasonOf(type, withField(type, field, []))).toBe(
      `invalid_data: data.${field}: must not be empty (a list, when present, has at least one item)`,
    );
  });

  it.each(['studyInstanceUids', 'modalities'])(
    'should refuse a consent scope when its %s list is empty',
    (field) => {
      const type = 'org.scantrail.consent.recorded';
      expect(reasonOf(type, withField(type, 'scope', { [field]: [] }))).toContain(
        `data.scope.${field}: must not be empty`,
      );
    },
  );
});

describe('dataset size', () => {
  const type = 'org.scantrail.dataset.assembled';
  const uids = (n: number) => Array.from({ length: n }, (_, i) => `2.25.${i + 1}`);

  it.each([1, 2, 500])('should accept a dataset when it lists %d studies', (n) => {
    expect(decodeData(type, withField(type, 'studyInstanceUids', uids(n))).ok).toBe(true);
  });

  it('should refuse a dataset when it lists 501 studies (v1.1)', () => {
    expect(reasonOf(type, withField(type, 'studyInstanceUids', uids(501)))).toBe(
      'invalid_data: data.studyInstanceUids: must have at most 500 items',
    );
  });
});

describe('targets', () => {
  const TARGET_TYPES = [
    'org.scantrail.disclosure.recorded',
    'org.scantrail.transfer.onward',
    'org.scantrail.model.trained',
    'org.scantrail.deletion.attested',
  ] as const;

  const CASES = TARGET_TYPES.flatMap((type) =>
    [
      [{ studyInstanceUid: '1.2.3' }, 'ok'],
      [{ datasetId: 'ds-1' }, 'ok'],
      [
        { studyInstanceUid: '1.2.3', datasetId: 'ds-1' },
        'invalid_data: data.target: must have exactly one of studyInstanceUid or datasetId (both given)',
      ],
      [
        {},
        'invalid_data: data.target: must have exactly one of studyInstanceUid or datasetId (neither given)',
      ],
      [{ studyInstanceUid: '' }, 'invalid_data: data.target.studyInstanceUid: must not be empty'],
      [{ datasetId: 7 }, 'invalid_data: data.target.datasetId: must be a string, got a number'],
      [
        { studyInstanceUid: '1.2.3', seriesUid: '1' },
        'invalid_data: data.target: unknown field "seriesUid"',
      ],
      ['1.2.3', 'invalid_data: data.target: must be an object, got a string'],
    ].map(([target, expected]) => [type, JSON.stringify(target), target, expected] as const),
  );

  it.each(CASES)('should judge %s with target %s', (type, _label, target, expected) => {
    const result = decodeData(type, withField(type, 'target', target));
    if (expected === 'ok') expect(result.ok).toBe(true);
    else expect(result).toEqual({ ok: false, reason: expected });
  });
});

describe('dates in data', () => {
  const PERIOD_FIELDS = [
    ['org.scantrail.agreement.signed', 'effectiveFrom'],
    ['org.scantrail.agreement.signed', 'expiresAt'],
    ['org.scantrail.consent.recorded', 'validFrom'],
    ['org.scantrail.consent.recorded', 'validUntil'],
  ] as const;
  // Values inside the examples' periods, so that the order check stays out of the way.
  const GOOD = ['2025-01-01', '2025-01-01T00:00:00Z', '2025-01-01T10:00:00.5+02:00'];
  const BAD = ['2025-13-01', '2025-02-30', '2025-01-01T10:00:00', '01/02/2025', '2025-1-1', ''];

  const good = PERIOD_FIELDS.flatMap(([t, f]) => GOOD.map((v) => [t, f, v] as const));
  const bad = PERIOD_FIELDS.flatMap(([t, f]) => BAD.map((v) => [t, f, v] as const));

  it.each(good)('should accept %s when %s is %j', (type, field, value) => {
    expect(decodeData(type, withField(type, field, value)).ok).toBe(true);
  });

  it.each(bad)('should refuse %s naming %s when it is %j', (type, field, value) => {
    expect(reasonOf(type, withField(type, field, value))).toBe(
      `invalid_data: data.${field}: must be an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z) or a YYYY-MM-DD date`,
    );
  });

  it.each([
    [
      'org.scantrail.agreement.signed',
      { effectiveFrom: '2024-06-02', expiresAt: '2024-06-01' },
      'expiresAt',
      'effectiveFrom',
    ],
    [
      'org.scantrail.consent.recorded',
      { validFrom: '2024-06-01T10:00:00Z', validUntil: '2024-06-01T09:59:59Z' },
      'validUntil',
      'validFrom',
    ],
  ] as const)(
    'should refuse %s when its period closes before it opens',
    (type, period, end, start) => {
      expect(reasonOf(type, { ...exampleData(type), ...period })).toBe(
        `invalid_data: data.${end}: must not be before ${start}`,
      );
    },
  );

  it('should accept a one-day period when it opens and closes on the same date', () => {
    const type = 'org.scantrail.consent.recorded';
    const data = { ...exampleData(type), validFrom: '2024-06-01', validUntil: '2024-06-01' };
    expect(decodeData(type, data).ok).toBe(true);
  });

  it.each(['2024-02-29', '2023-12-31'])('should accept a studyDate of %s', (studyDate) => {
    const type = 'org.scantrail.study.registered';
    expect(decodeData(type, withField(type, 'studyDate', studyDate)).ok).toBe(true);
  });

  it.each(['2023-02-29', '2024-02-29T00:00:00Z', '20240229', '2024-13-01'])(
    'should refuse a studyDate of %s when it is not a real YYYY-MM-DD date',
    (studyDate) => {
      const type = 'org.scantrail.study.registered';
      expect(reasonOf(type, withField(type, 'studyDate', studyDate))).toBe(
        'invalid_data: data.studyDate: must be a calendar date YYYY-MM-DD',
      );
    },
  );

  it('should refuse a de-identification when the derivative is its own source', () => {
    const type = 'org.scantrail.study.deidentified';
    expect(
      reasonOf(type, withField(type, 'derivedStudyInstanceUid', '1.2.840.113619.2.55.3.1001')),
    ).toBe('invalid_data: data.derivedStudyInstanceUid: must differ from sourceStudyInstanceUid');
  });
});

describe('deletion requests and breach reports (v1.1)', () => {
  it.each([
    [{ studyInstanceUids: [] }, 'data.scope.studyInstanceUids: must not be empty'],
    [{}, 'data.scope.studyInstanceUids'],
  ])('should refuse a deletion request when its scope is %j', (scope, reason) => {
    const type = 'org.scantrail.deletion.requested';
    expect(reasonOf(type, withField(type, 'scope', scope))).toContain(reason);
  });

  it('should refuse a deletion request when dueBy is not a date', () => {
    const type = 'org.scantrail.deletion.requested';
    expect(reasonOf(type, withField(type, 'dueBy', 'next week'))).toContain('data.dueBy');
  });

  it('should accept a deletion request whose dueBy is before the request (the rules answer it)', () => {
    const type = 'org.scantrail.deletion.requested';
    expect(decodeData(type, withField(type, 'dueBy', '1999-01-01')).ok).toBe(true);
  });

  it.each([
    [{ exposureFrom: '2024-05-02', exposureTo: '2024-05-01' }, false],
    [{ exposureFrom: '2024-05-01', exposureTo: '2024-05-01' }, true],
    [{ exposureFrom: '2024-05-01T10:00:00Z', exposureTo: '2024-05-01T09:00:00Z' }, false],
    [{ exposureFrom: '2024-05-11', exposureTo: undefined }, false],
    [{ exposureFrom: '2024-05-10', exposureTo: undefined }, true],
    [{ exposureFrom: undefined, exposureTo: '2023-01-01' }, true],
  ])('should judge the exposure window %j of a breach (accepted: %s)', (window, ok) => {
    const type = 'org.scantrail.breach.reported';
    const data: Record<string, unknown> = { ...exampleData(type), ...window };
    for (const key of Object.keys(data)) if (data[key] === undefined) delete data[key];
    const result = decodeData(type, data);
    expect(result.ok).toBe(ok);
    if (!ok) {
      expect(result).toEqual({
        ok: false,
        reason:
          'invalid_data: data.exposureFrom: must not be later than exposureTo (or discoveredAt)',
      });
    }
  });

  it('should refuse a breach whose affected target names both a study and a dataset', () => {
    const type = 'org.scantrail.breach.reported';
    const targets = [{ studyInstanceUid: '1.2.3', datasetId: 'ds-1' }];
    expect(reasonOf(type, withField(type, 'affectedTargets', targets))).toContain(
      'data.affectedTargets[0]: must have exactly one of studyInstanceUid or datasetId',
    );
  });
});
