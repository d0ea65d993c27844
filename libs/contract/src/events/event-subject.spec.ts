import { cloudEvent, exampleData } from '../testing/event-factory';
import { subjectOf } from './event-subject';
import type { EventType } from './event-types';
import type { LineageEvent } from './lineage-event.types';

function eventOf(type: EventType, data: Record<string, unknown> = {}): LineageEvent {
  return cloudEvent(type, { ...exampleData(type), ...data } as never) as LineageEvent;
}

describe('subjectOf', () => {
  it.each([
    ['org.scantrail.vendor.registered', {}, 'vnd-acme'],
    ['org.scantrail.agreement.signed', {}, 'vnd-acme'],
    ['org.scantrail.agreement.terminated', {}, 'agr-acme-dua'],
    ['org.scantrail.study.registered', {}, '1.2.840.113619.2.55.3.1001'],
    ['org.scantrail.study.deidentified', {}, '1.2.840.113619.2.55.3.1001'],
    ['org.scantrail.consent.recorded', {}, 'cns-1'],
    ['org.scantrail.consent.revoked', {}, 'cns-1'],
    ['org.scantrail.dataset.assembled', {}, 'ds-head-ct-2024'],
    ['org.scantrail.disclosure.recorded', {}, '2.25.1001'],
    ['org.scantrail.disclosure.recorded', { target: { datasetId: 'ds-9' } }, 'ds-9'],
    ['org.scantrail.transfer.onward', {}, 'ds-head-ct-2024'],
    ['org.scantrail.transfer.onward', { target: { studyInstanceUid: '1.9' } }, '1.9'],
    ['org.scantrail.model.trained', {}, 'ds-head-ct-2024'],
    ['org.scantrail.deletion.attested', { target: { studyInstanceUid: '1.8' } }, '1.8'],
  ] as const)('should key %s %j by %s when no subject is given', (type, data, subject) => {
    expect(subjectOf(eventOf(type, data))).toBe(subject);
  });

  it('should use the event subject when the producer gave one', () => {
    const event = { ...eventOf('org.scantrail.study.registered'), subject: 'custom-key' };
    expect(subjectOf(event)).toBe('custom-key');
  });

  it('should never use the patient identifier when keying patient events', () => {
    for (const type of [
      'org.scantrail.study.registered',
      'org.scantrail.consent.recorded',
    ] as const) {
      expect(subjectOf(eventOf(type))).not.toContain('MRN');
    }
  });
});
