import { encodeLeafData } from '@scantrail/ledger';
import { terminatedAgreement, vendorsNamedBy } from './ledger-entry-scope';

const leaf = (type: string, data: object): string =>
  encodeLeafData({
    sequence: 1,
    source: 'urn:test',
    id: 'evt-1',
    type,
    time: '2026-01-01T00:00:00Z',
    subject: 's',
    data,
    payloadDigest: '0'.repeat(64),
  });
const agreements = (id: string): string | undefined => (id === 'agr-1' ? 'acme' : undefined);

describe('vendorsNamedBy', () => {
  it.each([
    ['org.scantrail.vendor.registered', { vendorId: 'acme' }, ['acme']],
    ['org.scantrail.agreement.signed', { vendorId: 'acme' }, ['acme']],
    ['org.scantrail.agreement.terminated', { agreementId: 'agr-1' }, ['acme']],
    ['org.scantrail.agreement.terminated', { agreementId: 'agr-unknown' }, []],
    ['org.scantrail.disclosure.recorded', { recipientVendorId: 'acme' }, ['acme']],
    [
      'org.scantrail.transfer.onward',
      { fromVendorId: 'acme', toVendorId: 'cloud' },
      ['acme', 'cloud'],
    ],
    ['org.scantrail.model.trained', { vendorId: 'cloud' }, ['cloud']],
    ['org.scantrail.deletion.attested', { vendorId: 'acme' }, ['acme']],
    ['org.scantrail.breach.reported', { vendorId: 'acme', breachId: 'b-1' }, ['acme']],
    ['org.scantrail.deletion.requested', { requestId: 'r-1' }, []],
    ['org.scantrail.study.registered', { studyInstanceUid: '1.2' }, []],
    ['org.scantrail.consent.recorded', { vendorIds: ['acme'] }, []],
    ['org.scantrail.dataset.assembled', { datasetId: 'ds' }, []],
  ])('should find the parties of a %s entry %j', (type, data, vendors) => {
    expect(vendorsNamedBy(leaf(type, data), agreements)).toEqual(vendors);
  });

  it('should name nobody when the leaf data is not JSON', () => {
    expect(vendorsNamedBy('{', agreements)).toEqual([]);
  });

  it('should name nobody when the leaf data lacks the fields every entry commits to', () => {
    const partial = JSON.stringify({
      type: 'org.scantrail.vendor.registered',
      data: { vendorId: 'acme' },
    });
    expect(vendorsNamedBy(partial, agreements)).toEqual([]);
  });
});

describe('terminatedAgreement', () => {
  it('should give the agreement id only when the entry is a termination', () => {
    expect(
      terminatedAgreement(leaf('org.scantrail.agreement.terminated', { agreementId: 'a' })),
    ).toBe('a');
    expect(
      terminatedAgreement(leaf('org.scantrail.agreement.signed', { agreementId: 'a' })),
    ).toBeUndefined();
  });
});
