import { evaluateFindings } from './evaluate-findings';
import {
  REFERENCE_AGREEMENTS,
  aTransfer,
  anAgreement,
  codesOf,
  day,
  members,
  referenceWorld,
  type Scenario,
} from './testing/compliance-world.factory';

// The default transfer: S1 from V1 (may pass on) to V2 (may receive RESEARCH) on day 20.
const t = day(20);
const WITHOUT_V1 = REFERENCE_AGREEMENTS.filter((a) => a.vendorId !== 'V1');
const WITHOUT_V2 = REFERENCE_AGREEMENTS.filter((a) => a.vendorId !== 'V2');

interface Case extends Scenario {
  name: string;
  transfer?: Parameters<typeof aTransfer>[0];
  expected: string[];
}

describe('UNAUTHORIZED_ONWARD_TRANSFER', () => {
  it.each<Case>([
    {
      name: 'should report nothing when the sender may pass on and the receiver may receive',
      expected: [],
    },
    {
      name: 'should report it when the sender’s agreement does not allow onward transfer',
      transfer: { fromVendorId: 'V3', toVendorId: 'V2' },
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report it when the sender has no agreement',
      transfer: { fromVendorId: 'V9' },
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report it when the receiver has no agreement',
      transfer: { toVendorId: 'V9' },
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report it when the receiver’s agreement does not permit the purpose',
      transfer: { purpose: 'AI_TRAINING' },
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report nothing when the sender’s agreement allowing onward transfer is for another purpose',
      agreements: [
        ...WITHOUT_V1,
        anAgreement({ permittedPurposes: ['PAYMENT'], allowsOnwardTransfer: true }),
      ],
      expected: [],
    },
    {
      name: 'should report it when the sender’s agreement was terminated exactly at t',
      agreements: [...WITHOUT_V1, anAgreement({ terminatedAt: t })],
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report nothing when the sender’s agreement expires exactly at t',
      agreements: [...WITHOUT_V1, anAgreement({ expiresAt: t })],
      expected: [],
    },
    {
      name: 'should report it when the sender’s agreement takes effect after t',
      agreements: [...WITHOUT_V1, anAgreement({ effectiveFrom: t + 1 })],
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report nothing when the receiver’s agreement takes effect exactly at t',
      agreements: [
        ...WITHOUT_V2,
        anAgreement({ agreementId: 'A2', vendorId: 'V2', effectiveFrom: t }),
      ],
      expected: [],
    },
    {
      name: 'should report it when the receiver’s agreement expired just before t',
      agreements: [
        ...WITHOUT_V2,
        anAgreement({ agreementId: 'A2', vendorId: 'V2', expiresAt: t - 1 }),
      ],
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report it once when both sides fail',
      agreements: [],
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1'],
    },
    {
      name: 'should report no consent finding on a transfer when the patient never consented',
      consents: [],
      expected: [],
    },
    {
      name: 'should report no de-identification finding on a transfer of a CT HEAD derivative lacking 113102',
      transfer: { target: { studyInstanceUid: 'S1-BASIC' }, toVendorId: 'V9' },
      expected: ['UNAUTHORIZED_ONWARD_TRANSFER@S1-BASIC'],
    },
    {
      name: 'should report it once per member carried when a dataset is transferred',
      datasetMembers: [
        ...members('DS1', ['S1', 'S2'], day(5)),
        ...members('DS1', ['S3'], t),
        ...members('DS1', ['S4'], t + 1),
      ],
      transfer: { target: { datasetId: 'DS1' }, toVendorId: 'V9' },
      expected: [
        'UNAUTHORIZED_ONWARD_TRANSFER@S1',
        'UNAUTHORIZED_ONWARD_TRANSFER@S2',
        'UNAUTHORIZED_ONWARD_TRANSFER@S3',
      ],
    },
  ])('$name', ({ expected, transfer, ...scenario }) => {
    const world = referenceWorld({
      ...scenario,
      disclosures: [],
      transfers: [aTransfer(transfer)],
    });
    expect(codesOf(evaluateFindings(world), 'E-T1')).toEqual(expected);
  });

  it('should name the sender as the finding’s vendor and explain both sides when both fail', () => {
    const [finding] = evaluateFindings(
      referenceWorld({
        disclosures: [],
        agreements: [anAgreement({ vendorId: 'V3', allowsOnwardTransfer: false })],
        transfers: [aTransfer({ fromVendorId: 'V3', toVendorId: 'V2', ledgerSequence: 7 })],
      }),
    );
    expect(finding).toEqual({
      code: 'UNAUTHORIZED_ONWARD_TRANSFER',
      studyInstanceUid: 'S1',
      vendorId: 'V3',
      eventId: 'E-T1',
      ledgerSequence: 7,
      occurredAt: t,
      detail:
        'Onward transfer: sender V3 had no agreement in force on 2024-01-21T00:00:00.000Z ' +
        'allowing onward transfer (its agreements (A1) do not grant this); receiver V2 had no ' +
        'agreement in force on 2024-01-21T00:00:00.000Z permitting RESEARCH (no agreement with ' +
        'it is on record).',
    });
  });
});
