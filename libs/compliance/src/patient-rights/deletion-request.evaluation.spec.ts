import { deletionRequestForVendor, evaluateDeletionRequest } from './deletion-request.evaluation';
import type {
  DeletionRequestFact,
  DeletionRequestState,
  PatientRightsWorld,
} from './patient-rights.facts';
import { PatientRightsIndex } from './patient-rights.index';
import {
  aRequest,
  aRightsWorld,
  attested,
  day,
  derived,
  disclosed,
  inspected,
  registered,
  transferred,
} from './testing/patient-rights-world.factory';

const BEFORE_DUE = day(60);
const AFTER_DUE = day(90);

function evaluate(
  world: Partial<PatientRightsWorld>,
  asOf: number,
  request: DeletionRequestFact = aRequest(),
): DeletionRequestState | null {
  return evaluateDeletionRequest(request, new PatientRightsIndex(aRightsWorld(world), asOf));
}

/** "VENDOR STUDY STATUS" per obligation, then the request's status. */
function summary(state: DeletionRequestState | null): string[] | null {
  if (state === null) return null;
  return [
    ...state.obligations.map((o) => `${o.vendorId} ${o.studyInstanceUid} ${o.status}`),
    `request ${state.status}`,
  ];
}

const S1 = registered('S1');
const S2 = registered('S2');
const OTHER = registered('S9', 'PSN-2');

describe('evaluateDeletionRequest', () => {
  it.each<[string, Partial<PatientRightsWorld>, number, string[] | null]>([
    [
      'a vendor holds a study and dueBy has not passed',
      { studies: [S1], disclosures: [disclosed('V1', 'S1', day(10))] },
      BEFORE_DUE,
      ['V1 S1 OPEN', 'request OPEN'],
    ],
    [
      'a vendor holds a study and asOf is after dueBy',
      { studies: [S1], disclosures: [disclosed('V1', 'S1', day(10))] },
      AFTER_DUE,
      ['V1 S1 OVERDUE', 'request OVERDUE'],
    ],
    [
      'asOf is exactly dueBy',
      { studies: [S1], disclosures: [disclosed('V1', 'S1', day(10))] },
      day(80) - 1,
      ['V1 S1 OPEN', 'request OPEN'],
    ],
    [
      'the vendor attested deletion after the request',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(85))],
      },
      AFTER_DUE,
      ['V1 S1 FULFILLED', 'request FULFILLED'],
    ],
    [
      'the attestation comes after asOf (not yet known then)',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(95))],
      },
      AFTER_DUE,
      ['V1 S1 OVERDUE', 'request OVERDUE'],
    ],
    [
      'the vendor had deleted the study before the request',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(20))],
      },
      AFTER_DUE,
      ['request FULFILLED'],
    ],
    [
      'the vendor deleted the study at the very instant of the request',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(50))],
      },
      AFTER_DUE,
      ['request FULFILLED'],
    ],
    [
      'the vendor received the study again after deleting it',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V1', 'S1', day(30))],
        deletions: [attested('V1', 'S1', day(20))],
      },
      BEFORE_DUE,
      ['V1 S1 OPEN', 'request OPEN'],
    ],
    [
      'a deletion is attested at the instant of the receipt (an empty holding)',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'S1', day(10))],
      },
      AFTER_DUE,
      ['request FULFILLED'],
    ],
    [
      'the vendor received the study only after the request',
      { studies: [S1], disclosures: [disclosed('V1', 'S1', day(55))] },
      AFTER_DUE,
      ['request FULFILLED'],
    ],
    [
      'the vendor receives the study again after fulfilling',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V1', 'S1', day(70))],
        deletions: [attested('V1', 'S1', day(60))],
      },
      AFTER_DUE,
      ['V1 S1 FULFILLED', 'request FULFILLED'],
    ],
    [
      'the study reached the vendor inside a dataset',
      {
        studies: [S1, S2],
        datasetMembers: [
          { datasetId: 'DS1', studyInstanceUid: 'S1', addedAt: day(5) },
          { datasetId: 'DS1', studyInstanceUid: 'S2', addedAt: day(15) },
        ],
        disclosures: [disclosed('V1', 'DS1', day(10))],
      },
      BEFORE_DUE,
      ['V1 S1 OPEN', 'request OPEN'],
    ],
    [
      'the vendor deleted a dataset holding the study',
      {
        studies: [S1],
        datasetMembers: [{ datasetId: 'DS1', studyInstanceUid: 'S1', addedAt: day(5) }],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'DS1', day(70))],
      },
      AFTER_DUE,
      ['V1 S1 FULFILLED', 'request FULFILLED'],
    ],
    [
      'the vendor deleted a dataset the study joined only later',
      {
        studies: [S1],
        datasetMembers: [{ datasetId: 'DS1', studyInstanceUid: 'S1', addedAt: day(75) }],
        disclosures: [disclosed('V1', 'S1', day(10))],
        deletions: [attested('V1', 'DS1', day(70))],
      },
      AFTER_DUE,
      ['V1 S1 OVERDUE', 'request OVERDUE'],
    ],
    [
      'a deletion of the source study does not cover its derivative',
      {
        studies: [S1, derived('S1-D', 'S1', ['113101'])],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        deletions: [attested('V1', 'S1', day(70))],
      },
      AFTER_DUE,
      ['V1 S1-D OVERDUE', 'request OVERDUE'],
    ],
    [
      'an onward recipient holds the study (whether or not the sender held it)',
      {
        studies: [S1],
        disclosures: [disclosed('V1', 'S1', day(10))],
        transfers: [transferred('V1', 'V2', 'S1', day(20)), transferred('V7', 'V3', 'S1', day(25))],
        deletions: [attested('V1', 'S1', day(30))],
      },
      BEFORE_DUE,
      ['V2 S1 OPEN', 'V3 S1 OPEN', 'request OPEN'],
    ],
    [
      'another patient has studies at the same vendor',
      {
        studies: [S1, OTHER],
        disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V1', 'S9', day(10))],
      },
      BEFORE_DUE,
      ['V1 S1 OPEN', 'request OPEN'],
    ],
    [
      'the patient has no studies',
      { studies: [OTHER], disclosures: [disclosed('V1', 'S9', day(10))] },
      AFTER_DUE,
      ['request FULFILLED'],
    ],
    [
      'a de-identified copy (113100, no inspection) is held',
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
      },
      AFTER_DUE,
      ['V1 S1-D EXEMPT', 'request FULFILLED'],
    ],
    [
      'a copy without 113100 is held',
      {
        studies: [S1, derived('S1-D', 'S1', ['113101', '113102'])],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
      },
      AFTER_DUE,
      ['V1 S1-D OVERDUE', 'request OVERDUE'],
    ],
    [
      "a copy's latest inspection failed",
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'PASS', day(2)), inspected('S1-D', 'FAIL', day(3))],
      },
      AFTER_DUE,
      ['V1 S1-D OVERDUE', 'request OVERDUE'],
    ],
    [
      "a copy's latest inspection passed after an earlier failure",
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'FAIL', day(2)), inspected('S1-D', 'PASS', day(3))],
      },
      AFTER_DUE,
      ['V1 S1-D EXEMPT', 'request FULFILLED'],
    ],
    [
      "a passing inspection found the patient's identifier",
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'PASS', day(2), [{ system: 'urn:mrn', value: 'PSN-1' }])],
      },
      AFTER_DUE,
      ['V1 S1-D OVERDUE', 'request OVERDUE'],
    ],
    [
      "a passing inspection found the patient's value without a system",
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'PASS', day(2), [{ value: 'PSN-1' }])],
      },
      AFTER_DUE,
      ['V1 S1-D OVERDUE', 'request OVERDUE'],
    ],
    [
      "a passing inspection found the patient's issuer-less value (its value-only pseudonym)",
      {
        studies: [{ ...S1, patientValuePseudonym: 'PSV-1' }, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'PASS', day(2), [{ value: 'PSV-1' }])],
      },
      AFTER_DUE,
      ['V1 S1-D OVERDUE', 'request OVERDUE'],
    ],
    [
      'a passing inspection found only an identifier of another system',
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'PASS', day(2), [{ system: 'urn:other', value: 'PSN-1' }])],
      },
      AFTER_DUE,
      ['V1 S1-D EXEMPT', 'request FULFILLED'],
    ],
    [
      'the failing inspection is after asOf (not yet known then)',
      {
        studies: [S1, derived('S1-D', 'S1')],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
        inspections: [inspected('S1-D', 'FAIL', day(95))],
      },
      AFTER_DUE,
      ['V1 S1-D EXEMPT', 'request FULFILLED'],
    ],
    [
      'a derivative of a derivative is held',
      {
        studies: [S1, derived('S1-D', 'S1', ['113101']), derived('S1-DD', 'S1-D', ['113101'])],
        disclosures: [disclosed('V1', 'S1-DD', day(10))],
      },
      BEFORE_DUE,
      ['V1 S1-DD OPEN', 'request OPEN'],
    ],
    [
      'the derivation is recorded only after asOf',
      {
        studies: [S1, derived('S1-D', 'S1', ['113101'], day(95))],
        disclosures: [disclosed('V1', 'S1-D', day(10))],
      },
      AFTER_DUE,
      ['request FULFILLED'],
    ],
  ])('should give the obligations the rules give when %s', (_case, world, asOf, expected) => {
    expect(summary(evaluate(world, asOf))).toEqual(expected);
  });

  it('should not exist before its own time', () => {
    const world = { studies: [S1], disclosures: [disclosed('V1', 'S1', day(10))] };
    expect(evaluate(world, day(50) - 1)).toBeNull();
    expect(evaluate(world, day(50))).not.toBeNull();
  });

  it('should keep only the named studies and their derivatives when the request has a scope', () => {
    const world = {
      studies: [
        S1,
        S2,
        OTHER,
        derived('S1-D', 'S1', ['113101']),
        derived('S2-D', 'S2', ['113101']),
      ],
      disclosures: ['S1', 'S2', 'S9', 'S1-D', 'S2-D'].map((uid) => disclosed('V1', uid, day(10))),
    };
    const request = aRequest({ scopeStudyInstanceUids: ['S1', 'S9'] });
    expect(summary(evaluate(world, BEFORE_DUE, request))).toEqual([
      'V1 S1 OPEN',
      'V1 S1-D OPEN',
      'request OPEN',
    ]);
  });

  it('should give receivedAt as the start of the holding and the earliest attestation when attested twice', () => {
    const world = {
      studies: [S1],
      disclosures: [
        disclosed('V1', 'S1', day(5)),
        disclosed('V1', 'S1', day(10)),
        disclosed('V2', 'S1', day(10)),
      ],
      deletions: [
        attested('V1', 'S1', day(7)),
        attested('V1', 'S1', day(70), 'E-late'),
        attested('V1', 'S1', day(60), 'E-b'),
        attested('V1', 'S1', day(60), 'E-a'),
        attested('V2', 'S1', day(61), 'E-v2'),
      ],
    };
    const state = evaluate(world, AFTER_DUE);
    expect(state?.obligations).toEqual([
      {
        vendorId: 'V1',
        studyInstanceUid: 'S1',
        receivedAt: day(10),
        status: 'FULFILLED',
        attestedAt: day(60),
        attestationEventId: 'E-a',
      },
      {
        vendorId: 'V2',
        studyInstanceUid: 'S1',
        receivedAt: day(10),
        status: 'FULFILLED',
        attestedAt: day(61),
        attestationEventId: 'E-v2',
      },
    ]);
  });

  it('should be overdue as soon as it exists when dueBy is before the request', () => {
    const world = { studies: [S1], disclosures: [disclosed('V1', 'S1', day(10))] };
    const request = aRequest({ dueBy: day(40) });
    expect(summary(evaluate(world, day(50), request))).toEqual([
      'V1 S1 OVERDUE',
      'request OVERDUE',
    ]);
  });

  it('should answer overlapping requests of one patient each by its own time', () => {
    const world = {
      studies: [S1],
      disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V2', 'S1', day(10))],
      deletions: [attested('V1', 'S1', day(55))],
    };
    const first = aRequest();
    const second = aRequest({ requestId: 'R2', eventId: 'E-R2', at: day(58) });
    expect(summary(evaluate(world, BEFORE_DUE, first))).toEqual([
      'V1 S1 FULFILLED',
      'V2 S1 OPEN',
      'request OPEN',
    ]);
    expect(summary(evaluate(world, BEFORE_DUE, second))).toEqual(['V2 S1 OPEN', 'request OPEN']);
  });

  it('should show a vendor only its own obligations and a status over them', () => {
    const world = {
      studies: [S1],
      disclosures: [disclosed('V1', 'S1', day(10)), disclosed('V2', 'S1', day(10))],
      deletions: [attested('V1', 'S1', day(55))],
    };
    const state = evaluate(world, AFTER_DUE);
    expect(state?.status).toBe('OVERDUE');
    const v1 = state && deletionRequestForVendor(state, 'V1');
    expect(summary(v1 ?? null)).toEqual(['V1 S1 FULFILLED', 'request FULFILLED']);
    expect(state && deletionRequestForVendor(state, 'V9')).toBeNull();
  });
});
