import { explainGap, formatOffset, lossSummary, type GapFacts } from './ingest-gap-words';

const lost = (count: number, from: string, to: string, partition = 0): GapFacts => ({
  kind: 'MESSAGES_LOST',
  cause: 'deleted_unread',
  partition,
  fromOffset: from,
  toOffset: to,
  count,
});

describe('explainGap', () => {
  it('should name the offsets lost (the last one before where reading went on) and say to republish', () => {
    const words = explainGap(lost(1250, '1200', '2450', 2));
    expect(words.where).toBe('Partition 2, offsets 1,200 to 2,449');
    expect(words.happened).toMatch(
      /^1,250 messages were deleted in Kafka before the ingest read them/,
    );
    expect(words.happened).toContain('not in the ledger');
    expect(words.todo).toContain('source system');
    expect(words.todo).toMatch(/ids make a republish harmless/);
  });

  it('should speak of one message in the singular', () => {
    expect(explainGap(lost(1, '7', '8')).happened).toMatch(
      /^1 message was deleted .* its event is not/,
    );
  });

  it('should keep offsets past a double exact', () => {
    expect(formatOffset('9007199254740993')).toBe('9,007,199,254,740,993');
    expect(explainGap(lost(2, '9007199254740991', '9007199254740993')).where).toBe(
      'Partition 0, offsets 9,007,199,254,740,991 to 9,007,199,254,740,992',
    );
  });

  it.each(['log_end_before_position', 'record_changed'])(
    'should say a partition read again (%s) lost nothing Kafka held, and what to check',
    (cause) => {
      const words = explainGap({
        kind: 'POSITION_RESET',
        cause,
        partition: 1,
        fromOffset: '6',
        toOffset: '0',
        count: 0,
      });
      expect(words.where).toBe('Partition 1, read again from offset 0 (it stood at 6)');
      expect(words.happened).toContain('read the partition again from its start');
      expect(words.happened).toContain('nothing was lost');
      expect(words.todo).toMatch(/^Nothing to do if/);
    },
  );
});

describe('lossSummary', () => {
  it('should add the messages and count the partitions', () => {
    expect(lossSummary([lost(3, '14', '17'), lost(1250, '1200', '2450', 2)], false)).toBe(
      '1,253 messages on 2 partitions',
    );
    expect(lossSummary([lost(1, '1', '2')], true)).toBe('At least 1 message on 1 partition');
  });
});
