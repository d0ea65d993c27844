import { byUrgency, dueInWords, type OpenObligation } from './vendor-obligations.panel';
import type { DeletionRequestRow } from './patient-rights.queries';

const obligation = (
  requestId: string,
  dueBy: string,
  status: OpenObligation['status'],
  studyInstanceUid = '2.25.1',
): OpenObligation => ({
  request: { requestId, dueBy } as DeletionRequestRow,
  studyInstanceUid,
  receivedAt: '2024-01-01T00:00:00.000Z',
  status,
});

describe('vendor obligations by urgency', () => {
  it('should put overdue first, then the soonest due, when requests were made in another order', () => {
    const listed = [
      obligation('del-1', '2025-11-29T23:59:59.999Z', 'OVERDUE'),
      obligation('del-2', '2025-03-01T23:59:59.999Z', 'OVERDUE'),
      obligation('del-3', '2029-06-26T23:59:59.999Z', 'OPEN'),
      obligation('del-4', '2026-12-09T23:59:59.999Z', 'OPEN'),
      obligation('del-4', '2026-12-09T23:59:59.999Z', 'OPEN', '2.25.0'),
    ];
    expect(
      [...listed].sort(byUrgency).map((o) => `${o.request.requestId} ${o.studyInstanceUid}`),
    ).toEqual(['del-2 2.25.1', 'del-1 2.25.1', 'del-4 2.25.0', 'del-4 2.25.1', 'del-3 2.25.1']);
  });

  it.each([
    ['2025-03-01T23:59:59.999Z', 'OVERDUE', '2025-03-02T00:00:00.000Z', '1 day overdue'],
    ['2025-03-01T23:59:59.999Z', 'OVERDUE', '2025-03-11T12:00:00.000Z', '10 days overdue'],
    ['2025-03-01T23:59:59.999Z', 'OPEN', '2025-03-01T08:00:00.000Z', 'due today'],
    ['2025-03-01T23:59:59.999Z', 'OPEN', '2025-02-28T08:00:00.000Z', 'due tomorrow'],
    ['2026-03-01T23:59:59.999Z', 'OPEN', '2025-03-01T08:00:00.000Z', 'due in 365 days'],
  ] as const)(
    'should say how late or how long is left when due by %s is %s at %s',
    (dueBy, status, now, words) => {
      expect(dueInWords(dueBy, status, Date.parse(now))).toBe(words);
    },
  );
});
