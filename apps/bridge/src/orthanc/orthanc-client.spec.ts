import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OrthancClient } from './orthanc-client';

// A hostile Orthanc on the loopback: a real HTTP server whose answers are huge, endless,
// slow or not JSON. The bridge must refuse each with a message fit for its log (no patient
// data from the answer), without reading more than its limit.

const PATIENT_ID = 'MRN-HOSTILE-0042';
const LIMIT = 64 * 1024;

let server: Server;
let baseUrl: string;
/** Bytes the server wrote for the last request, and when the client hung up on it. */
let written = 0;
let hungUp: Promise<boolean> = Promise.resolve(false);
let answer: (res: ServerResponse) => void = (res) => res.end('{}');

beforeAll(async () => {
  server = createServer((req, res) => {
    written = 0;
    hungUp = new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished)));
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (timeoutMs = 5_000): OrthancClient =>
  new OrthancClient(baseUrl, undefined, timeoutMs, LIMIT);

/** A study answer carrying the patient's data, as Orthanc's /studies/{id} does. */
const studyJson = JSON.stringify({
  ID: 'a'.repeat(44),
  MainDicomTags: { StudyInstanceUID: '1.2.3' },
  PatientMainDicomTags: { PatientID: PATIENT_ID, PatientName: 'DOE^JANE' },
  Series: [],
});

describe('OrthancClient against a hostile Orthanc', () => {
  it('should read an answer within the limit', async () => {
    answer = (res) => res.setHeader('content-type', 'application/json').end(studyJson);
    const study = await client().study('a'.repeat(44));
    expect(study?.MainDicomTags.StudyInstanceUID).toBe('1.2.3');
  });

  it('should refuse an answer that declares more bytes than the limit, without reading it', async () => {
    answer = (res) => {
      res.setHeader('content-length', String(LIMIT * 1024));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = (): void => {
        while (written < LIMIT * 1024 && res.write(chunk)) written += chunk.length;
        if (written < LIMIT * 1024 && !res.destroyed) res.once('drain', pump);
      };
      pump();
    };
    await expect(client().jobs()).rejects.toThrow(
      `Orthanc's answer to /jobs?expand is larger than ${LIMIT} bytes`,
    );
    expect(await hungUp).toBe(true);
    // What the sockets' buffers took before the client hung up, far from the whole answer.
    expect(written).toBeLessThan(LIMIT * 256);
  });

  it('should stop reading an endless answer without a length once it passes the limit', async () => {
    answer = (res) => {
      res.write('[');
      const chunk = Buffer.from(`${'{"ID":"x"},'.repeat(1000)}`);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    };
    await expect(client().jobs()).rejects.toThrow(/is larger than 65536 bytes/);
    expect(await hungUp).toBe(true);
    // What the sockets' buffers took before the client hung up, far from the whole answer.
    expect(written).toBeLessThan(LIMIT * 256);
  });

  it.each([
    ['cut short', studyJson.slice(0, -20)],
    ['an HTML page', `<html><body>Patient ${PATIENT_ID} not found</body></html>`],
    ['bare text', `${PATIENT_ID} DOE^JANE`],
  ])('should refuse an answer %s with a message that holds none of its bytes', async (_, body) => {
    answer = (res) => res.setHeader('content-type', 'application/json').end(body);
    const error = (await client()
      .study('a'.repeat(44))
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('Orthanc answered /studies/… with something that is not JSON');
    expect(`${error.message} ${error.stack}`).not.toMatch(/MRN-|DOE/);
  });

  it.each([
    ['Changes is not a list', { Changes: 'NewStudy', Done: true, Last: 7 }, /Changes/],
    ['Last is missing', { Changes: [], Done: true }, /Last/],
    ['Last is text', { Changes: [], Done: true, Last: '7' }, /Last/],
    [
      "a change's Date is not Orthanc's",
      {
        Changes: [
          { ChangeType: 'StableStudy', Date: 'yesterday', ID: 'a', ResourceType: 'Study', Seq: 7 },
        ],
        Done: true,
        Last: 7,
      },
      /Changes\.0\.Date/,
    ],
  ])(
    'should refuse a page of changes whose %s, rather than move past what it hides',
    async (_, body, where) => {
      answer = (res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(body));
      const error = (await client()
        .changes(0, 100)
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^Orthanc answered \/changes\?since=0&limit=100 with /);
      expect(error.message).toMatch(where);
    },
  );

  it('should read a page of changes as Orthanc writes it', async () => {
    const page = {
      Changes: [
        {
          ChangeType: 'NewStudy',
          Date: '20250110T120000',
          ID: 'b'.repeat(44),
          Path: '/studies/x',
          ResourceType: 'Study',
          Seq: 3,
        },
      ],
      Done: true,
      Last: 3,
    };
    answer = (res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(page));
    expect(await client().changes(0, 100)).toEqual(page);
  });

  it('should give up on an answer slower than its timeout', async () => {
    answer = (res) => {
      res.write('[');
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    };
    const started = Date.now();
    await expect(client(500).jobs()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
