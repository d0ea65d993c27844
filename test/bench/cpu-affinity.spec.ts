import { onCpus, otherCpus, parseCpuList } from '../../bench/support/cpu-affinity';

describe('bench:api --api-cpus', () => {
  it('should read single CPUs, lists and ranges into sorted CPU numbers', () => {
    expect(parseCpuList('0', 2)).toEqual([0]);
    expect(parseCpuList('3,1', 4)).toEqual([1, 3]);
    expect(parseCpuList('0-2, 2', 8)).toEqual([0, 1, 2]);
  });

  it('should refuse CPUs the machine lacks, backward ranges, text and every CPU at once', () => {
    expect(() => parseCpuList('2', 2)).toThrow('CPU 2 does not exist (this machine has 0-1)');
    expect(() => parseCpuList('3-1', 4)).toThrow('the range 3-1 runs backwards');
    expect(() => parseCpuList('a', 2)).toThrow('"a" is not a CPU number or range');
    expect(() => parseCpuList('0-1', 2)).toThrow('leave at least one CPU for PostgreSQL');
  });

  it('should give the rest of the machine to the others and start the API through taskset', () => {
    expect(otherCpus([0], 2)).toEqual([1]);
    expect(otherCpus([1, 2], 4)).toEqual([0, 3]);
    expect(onCpus([0], '/usr/bin/node', ['main.js'])).toEqual({
      command: 'taskset',
      args: ['-c', '0', '/usr/bin/node', 'main.js'],
    });
    expect(onCpus(undefined, '/usr/bin/node', ['main.js'])).toEqual({
      command: '/usr/bin/node',
      args: ['main.js'],
    });
  });
});
