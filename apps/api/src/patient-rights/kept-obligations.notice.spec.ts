import type { PatientRightsReadService } from '@scantrail/queries';
import type { Logger } from 'pino';
import { KeptObligationsNotice } from './kept-obligations.notice';

function notice(waiting: number | Error): { warnings: unknown[][]; notice: KeptObligationsNotice } {
  const warnings: unknown[][] = [];
  const rights = {
    requestsNeverKept: () =>
      waiting instanceof Error ? Promise.reject(waiting) : Promise.resolve(waiting),
  } as unknown as PatientRightsReadService;
  const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger;
  return { warnings, notice: new KeptObligationsNotice(rights, logger) };
}

describe('KeptObligationsNotice', () => {
  it('should warn with the count and the command when requests were never kept', async () => {
    const { warnings, notice: n } = notice(42);
    await n.onApplicationBootstrap();
    expect(warnings).toHaveLength(1);
    expect(warnings[0][0]).toEqual({ requests: 42 });
    expect(String(warnings[0][1])).toContain('42 deletion requests');
    expect(String(warnings[0][1])).toContain('npm run cli -- keep-obligations');
  });

  it('should say nothing when every request is kept', async () => {
    const { warnings, notice: n } = notice(0);
    await n.onApplicationBootstrap();
    expect(warnings).toEqual([]);
  });

  it('should log and not stop the start when the check fails', async () => {
    const { warnings, notice: n } = notice(new Error('connection refused'));
    await expect(n.onApplicationBootstrap()).resolves.toBeUndefined();
    expect(String(warnings[0][1])).toContain('could not check');
  });
});
