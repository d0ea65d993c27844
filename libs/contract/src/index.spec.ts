import * as contract from '@scantrail/contract';
import { cloudEvent, encodeEvent, exampleData } from '@scantrail/contract/testing';

describe('@scantrail/contract', () => {
  it('should list the 15 event types once each when imported', () => {
    expect(contract.EVENT_TYPES).toHaveLength(15);
    expect(new Set(contract.EVENT_TYPES).size).toBe(15);
    expect(Object.isFrozen(contract.EVENT_TYPES)).toBe(true);
  });

  it('should export the public functions when imported through the alias', () => {
    const names = [
      'decodeEventMessage',
      'validateEvent',
      'subjectOf',
      'parsePseudonymKey',
      'patientPseudonym',
      'pseudonymizeEvent',
      'periodStart',
      'periodEnd',
      'eventJsonSchemas',
    ] as const;
    for (const name of names) expect(typeof contract[name]).toBe('function');
    expect(contract.DEFAULT_MAX_EVENT_BYTES).toBe(1_048_576);
  });

  it('should keep test factories and the demo stream out of the production exports', () => {
    for (const name of ['cloudEvent', 'encodeEvent', 'exampleData', 'demoEvents'])
      expect(Object.keys(contract)).not.toContain(name);
  });

  it('should round-trip a factory event through the decoder when imported through the alias', () => {
    const event = cloudEvent(
      'org.scantrail.consent.revoked',
      exampleData('org.scantrail.consent.revoked'),
    );
    expect(contract.decodeEventMessage(encodeEvent(event))).toEqual({ ok: true, event });
  });
});
