import { AccessDeniedError, Viewer } from '@scantrail/access';
import { InvalidArgumentError } from '@scantrail/queries';
import { FindingCountsService, MONTHS_FROM_SQL, monthsBefore } from './finding-counts.service';

/** Records what was asked and answers with canned rows. */
function fakeDb(rows: unknown[] = []) {
  const calls: { sql: string; parameters?: unknown[] }[] = [];
  return {
    calls,
    query: (sql: string, parameters?: unknown[]): Promise<unknown> => {
      calls.push({ sql, parameters });
      return Promise.resolve(rows);
    },
  };
}

const officer = new Viewer('po', ['privacy_officer']);
const acme = new Viewer('acme-user', ['vendor'], 'vnd-acme');

describe('FindingCountsService.byMonth', () => {
  it.each([
    ['an officer names no vendor', officer, null, null],
    ['an officer names a vendor', officer, 'vnd-x', 'vnd-x'],
    ['a vendor names no vendor', acme, null, 'vnd-acme'],
    ['a vendor names itself', acme, 'vnd-acme', 'vnd-acme'],
  ])('should count for the right vendor when %s', async (_, viewer, vendorId, expected) => {
    const db = fakeDb([{ month: '2025-01', code: 'NO_CONSENT', n: 3 }]);
    const counts = await new FindingCountsService(db).byMonth(viewer, { vendorId });
    expect(counts).toEqual([{ month: '2025-01', code: 'NO_CONSENT', count: 3 }]);
    expect(db.calls[0].parameters).toEqual([expected, null]);
  });

  it('should refuse without querying when a vendor names another vendor', async () => {
    const db = fakeDb();
    await expect(
      new FindingCountsService(db).byMonth(acme, { vendorId: 'vnd-other' }),
    ).rejects.toThrow(AccessDeniedError);
    expect(db.calls).toEqual([]);
  });
});

describe('FindingCountsService.byMonth with lastMonths', () => {
  it('should read only the months from lastMonths - 1 before the latest one with a finding', async () => {
    const db = fakeDb([{ month: '2025-03', code: 'NO_CONSENT', n: 3 }]);
    const counts = await new FindingCountsService(db).byMonth(acme, { lastMonths: 12 });
    expect(counts).toEqual([{ month: '2025-03', code: 'NO_CONSENT', count: 3 }]);
    expect(db.calls).toHaveLength(2);
    expect(db.calls[1]).toEqual({
      sql: MONTHS_FROM_SQL,
      parameters: ['vnd-acme', null, '2024-04'],
    });
  });

  it('should answer nothing without a second read when there is no finding', async () => {
    const db = fakeDb([{ month: null }]);
    expect(await new FindingCountsService(db).byMonth(officer, { lastMonths: 3 })).toEqual([]);
    expect(db.calls).toHaveLength(1);
  });

  it.each([0, -1, 1.5, 1201])(
    'should refuse lastMonths %p without querying',
    async (lastMonths) => {
      const db = fakeDb();
      await expect(new FindingCountsService(db).byMonth(officer, { lastMonths })).rejects.toThrow(
        InvalidArgumentError,
      );
      expect(db.calls).toEqual([]);
    },
  );

  it.each([
    ['2025-03', 0, '2025-03'],
    ['2025-03', 2, '2025-01'],
    ['2025-03', 3, '2024-12'],
    ['2025-03', 239, '2005-04'],
  ])('should count back from %s by %d months to %s', (month, months, expected) => {
    expect(monthsBefore(month, months)).toBe(expected);
  });
});

describe('FindingCountsService.byCode', () => {
  it('should count for the vendor of a vendor token, and refuse another vendor', async () => {
    const db = fakeDb([{ code: 'NO_CONSENT', n: 4 }]);
    const service = new FindingCountsService(db);
    expect(await service.byCode(acme, {})).toEqual([{ code: 'NO_CONSENT', count: 4 }]);
    expect(db.calls[0].parameters).toEqual(['vnd-acme']);
    await expect(service.byCode(acme, { vendorId: 'vnd-other' })).rejects.toThrow(
      AccessDeniedError,
    );
    expect(db.calls).toHaveLength(1);
  });
});

describe('FindingCountsService.byVendor', () => {
  it('should ask once for all vendors when given a page of vendor ids', async () => {
    const db = fakeDb([{ vendor_id: 'a', code: 'NO_AGREEMENT', n: 2 }]);
    const counts = await new FindingCountsService(db).byVendor(officer, ['a', 'b', 'a']);
    expect(counts).toEqual([{ vendorId: 'a', code: 'NO_AGREEMENT', count: 2 }]);
    expect(db.calls).toHaveLength(1);
    expect(db.calls[0].parameters).toEqual([['a', 'b']]);
  });

  it.each([
    ['a vendor names another vendor', acme, ['vnd-acme', 'vnd-other'], AccessDeniedError],
    [
      'more than a page of vendors is asked',
      officer,
      Array.from({ length: 501 }, (_, i) => `v${i}`),
      InvalidArgumentError,
    ],
  ])('should refuse when %s', async (_, viewer, ids, error) => {
    const db = fakeDb();
    await expect(new FindingCountsService(db).byVendor(viewer, ids)).rejects.toThrow(error);
    expect(db.calls).toEqual([]);
  });

  it('should not query when no vendor is asked for', async () => {
    const db = fakeDb();
    expect(await new FindingCountsService(db).byVendor(officer, [])).toEqual([]);
    expect(db.calls).toEqual([]);
  });
});
