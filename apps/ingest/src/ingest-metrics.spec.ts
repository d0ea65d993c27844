import { quarantineCategory } from './ingest-metrics';

describe('quarantineCategory', () => {
  it('should label a quarantine reason with its category, and a reason it does not know as other', () => {
    expect(quarantineCategory('not_json: expected , at position 3')).toBe('not_json');
    expect(
      quarantineCategory('unprocessable: preparing the ledger entry failed (RangeError)'),
    ).toBe('unprocessable');
    expect(quarantineCategory('rejected_by_database: 22P02 invalid input')).toBe(
      'rejected_by_database',
    );
    expect(quarantineCategory('too_many_headers: the record carries 40000 Kafka headers')).toBe(
      'too_many_headers',
    );
    // Never a label made of free text: the metric's cardinality stays bounded.
    expect(quarantineCategory('anything else: MRN-004211')).toBe('other');
    expect(quarantineCategory('')).toBe('other');
  });
});
