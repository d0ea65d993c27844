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
/** Bytes the server wrote for the last request, and whether the client hung up. */
let written = 0;
let hungUp = false;
let answer: (res: ServerResponse) => void = (res) => res.end('{}');

beforeAll(async () => {
  server = createServer((req, res) => {
    written = 0;
    hungUp = false;
    res.on('close', () => {
      hungUp = !res.writableFinished;
    });
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
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hungUp).toBe(true);
    expect(written).toBeLessThan(LIMIT * 64);
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
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hungUp).toBe(true);
    expect(written).toBeLessThan(LIMIT * 64);
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
