import { keptRows, type BatchRow } from './row-writer';

const row = (key: string, time: string, sequence: number, extra = {}): BatchRow => ({
  id: key,
  event_time: time,
  ledger_sequence: sequence,
  ...extra,
});

describe('keptRows', () => {
  it('should keep every row when the table has one row per entry', () => {
    const rows = [row('a', 't1', 1), row('a', 't1', 2)];
    expect(keptRows({ kind: 'every' }, rows)).toEqual(rows);
  });

  it('should keep the latest row per key by event time, whatever the arrival order', () => {
    const rows = [
      row('a', '2024-05-02T00:00:00.000Z', 1),
      row('a', '2024-05-01T00:00:00.000Z', 2),
      row('b', '2024-05-01T00:00:00.000Z', 3),
    ];
    const kept = keptRows({ kind: 'latest', key: 'id' }, rows);
    expect(kept.map((r) => r.ledger_sequence)).toEqual([1, 3]);
    expect(keptRows({ kind: 'latest', key: 'id' }, [...rows].reverse())).toEqual(
      expect.arrayContaining(kept),
    );
  });

  it('should keep the higher ledger sequence when two rows of a key have the same time', () => {
    const rows = [row('a', 't', 5), row('a', 't', 9), row('a', 't', 7)];
    expect(keptRows({ kind: 'latest', key: 'id' }, rows).map((r) => r.ledger_sequence)).toEqual([
      9,
    ]);
  });

  it('should keep the earliest row per composite key when the table keeps first additions', () => {
    const keep = { kind: 'earliest', key: ['id', 'member'], by: 'added_at' } as const;
    const rows = [
      row('d', 't', 1, { member: 'x', added_at: '2024-05-02' }),
      row('d', 't', 2, { member: 'x', added_at: '2024-05-01' }),
      row('d', 't', 3, { member: 'x', added_at: '2024-05-01' }),
      row('d', 't', 4, { member: 'y', added_at: '2024-05-03' }),
    ];
    expect(keptRows(keep, rows).map((r) => r.ledger_sequence)).toEqual([2, 4]);
  });
});
