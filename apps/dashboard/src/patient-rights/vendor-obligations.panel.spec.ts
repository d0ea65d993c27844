import { dueInWords, obligationsOf, type OpenObligation } from './vendor-obligations.panel';
import type { DeletionRequestRow } from './patient-rights.queries';

type Status = OpenObligation['status'] | 'FULFILLED' | 'EXEMPT';

const request = (
  requestId: string,
  dueBy: string,
  obligations: [string, Status][],
): DeletionRequestRow =>
  ({
    requestId,
    dueBy,
    obligations: obligations.map(([studyInstanceUid, status]) => ({
      studyInstanceUid,
      status,
      receivedAt: '2024-01-01T00:00:00.000Z',
    })),
  }) as DeletionRequestRow;

describe('vendor obligations in the server order', () => {
  it("should keep the server's order of requests and leave out fulfilled and exempt obligations", () => {
    const listed = [
      request('del-9', '2025-03-01T23:59:59.999Z', [['2.25.1', 'OVERDUE']]),
      request('del-2', '2026-12-09T23:59:59.999Z', [
        ['2.25.3', 'OPEN'],
        ['2.25.2', 'FULFILLED'],
        ['2.25.0', 'OPEN'],
      ]),
      request('del-1', '2029-06-26T23:59:59.999Z', [['2.25.4', 'EXEMPT']]),
    ];
    expect(
      obligationsOf(listed).map((o) => `${o.request.requestId} ${o.studyInstanceUid} ${o.status}`),
    ).toEqual(['del-9 2.25.1 OVERDUE', 'del-2 2.25.0 OPEN', 'del-2 2.25.3 OPEN']);
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
