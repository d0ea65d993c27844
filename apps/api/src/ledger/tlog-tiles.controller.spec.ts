import { Viewer } from '@scantrail/access';
import type { CheckpointStore, LedgerReader } from '@scantrail/storage';
import type { Request, Response } from 'express';
import { attachViewer } from '../auth/request-viewer';
import { TlogTilesController } from './tlog-tiles.controller';

/** The parts of an Express response the controller uses, recording what it was given. */
function fakeResponse(): Response & { statusCode: number; body: unknown } {
  const res = {
    statusCode: 200,
    body: undefined as unknown,
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    type: () => res,
    set: () => res,
    vary: () => res,
    send(body: unknown) {
      res.body = body;
      return res;
    },
  };
  return res as unknown as Response & { statusCode: number; body: unknown };
}

function auditorRequest(path: string): Request {
  const req = { path, acceptsEncodings: () => 'identity' } as unknown as Request;
  attachViewer(req, new Viewer('auditor-1', ['auditor']));
  return req;
}

describe('TlogTilesController', () => {
  // A database failure is the server's fault: answered 400 ("your path is malformed") with
  // PostgreSQL's message, a C2SP client gives up on a good path, the answer names the
  // database's address, and no log line tells the operator. /tlog/checkpoint and GraphQL
  // answer such failures with a bare 500, logged. Reproduce: stop PostgreSQL under a
  // running API, GET /tlog/tile/0/000 as an auditor: 400 "connect ECONNREFUSED 10.0.0.5:5432".
  it.each(['tile/0/000', 'tile/entries/000'])(
    'should not answer %s with 400 and the database error when the database fails',
    async (path) => {
      const failure = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), {
        code: 'ECONNREFUSED',
      });
      const reader = {
        treeSize: () => Promise.reject(failure),
      } as unknown as LedgerReader;
      const controller = new TlogTilesController(reader, {} as CheckpointStore);
      const res = fakeResponse();
      let thrown: unknown;
      try {
        await controller.tile(auditorRequest(`/tlog/${path}`), res);
      } catch (error) {
        thrown = error; // left to the exception filter: logged, a bare 500
      }
      expect(thrown ?? res.statusCode).not.toBe(400);
      expect(String(res.body)).not.toContain('10.0.0.5');
    },
  );

  it('should answer a malformed path with 400 naming the path', async () => {
    const reader = { treeSize: () => Promise.resolve(10) } as unknown as LedgerReader;
    const controller = new TlogTilesController(reader, {} as CheckpointStore);
    const res = fakeResponse();
    await controller.tile(auditorRequest('/tlog/tile/0/-1'), res);
    expect(res.statusCode).toBe(400);
    expect(String(res.body)).toMatch(/^tile index must be 3-digit groups/);
  });

  // Entry bundles are served immutable: a client keeps one for a year. Stored hashes are
  // read exactly (a missing one is an error); entries were read as "the next `width` rows
  // from the first", so a row gone (tampering as a superuser, or a restore that lost one)
  // shifted the later entries into its place, or cut the bundle short, and the wrong bundle
  // was served as final. Reproduce: delete ledger_entries row 2 as a superuser with the
  // triggers off, GET /tlog/tile/entries/000.p/4: 200, entries 0, 1, 3, 4.
  it.each([
    ['a row missing in the middle', [0, 1, 3, 4]],
    ['a row missing at the end', [0, 1, 2]],
  ])('should not serve an entry bundle when %s', async (_case, sequences) => {
    const reader = {
      treeSize: () => Promise.resolve(10),
      entries: () =>
        Promise.resolve(sequences.map((sequence) => ({ sequence, leafData: `{"s":${sequence}}` }))),
    } as unknown as LedgerReader;
    const controller = new TlogTilesController(reader, {} as CheckpointStore);
    const res = fakeResponse();
    let thrown: unknown;
    try {
      await controller.tile(auditorRequest('/tlog/tile/entries/000.p/4'), res);
    } catch (error) {
      thrown = error; // left to the exception filter: logged, a bare 500
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(res.body).toBeUndefined();
  });
});
