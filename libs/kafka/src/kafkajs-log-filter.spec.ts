import { isRoutineBrokerAnswer, isRoutineRebalance } from './kafkajs-log-filter';

describe('isRoutineBrokerAnswer', () => {
  it.each([
    {
      name: 'should drop a not-leader answer when KafkaJS retries it',
      line: {
        namespace: 'Connection',
        message: 'Response ListOffsets(key: 2, version: 3)',
        extra: { error: 'This server is not the leader for that topic-partition' },
      },
      expected: true,
    },
    {
      name: 'should drop a coordinator-not-available answer when a group starts',
      line: {
        namespace: 'Connection',
        message: 'Response GroupCoordinator(key: 10, version: 2)',
        extra: { error: 'The group coordinator is not available' },
      },
      expected: true,
    },
    {
      name: 'should keep a connection failure when the broker is down',
      line: {
        namespace: 'Connection',
        message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
        extra: {},
      },
      expected: false,
    },
    {
      name: 'should keep an answer that is not routine when a broker refuses a request',
      line: {
        namespace: 'Connection',
        message: 'Response Produce(key: 0, version: 7)',
        extra: { error: 'The request included a message larger than the max message size' },
      },
      expected: false,
    },
    {
      name: 'should keep routine texts when they come from another namespace',
      line: {
        namespace: 'Consumer',
        message: 'Response Heartbeat(key: 12, version: 3)',
        extra: { error: 'The group is rebalancing, so a rejoin is needed' },
      },
      expected: false,
    },
  ])('$name', ({ line, expected }) => {
    expect(isRoutineBrokerAnswer(line)).toBe(expected);
  });
});

describe('isRoutineRebalance', () => {
  it("should take the consumer's rejoin after a rebalance for routine, and nothing else of the runner", () => {
    const rejoin = {
      namespace: 'Runner',
      message: 'The group is rebalancing, re-joining',
      extra: { groupId: 'g', error: 'The group is rebalancing, so a rejoin is needed' },
    };
    expect(isRoutineRebalance(rejoin)).toBe(true);
    expect(isRoutineRebalance({ ...rejoin, message: 'Error when calling eachBatch' })).toBe(false);
    expect(isRoutineRebalance({ ...rejoin, namespace: 'Consumer' })).toBe(false);
  });
});
