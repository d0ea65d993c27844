// The local Orthanc picks free ports, writes them down, then starts Orthanc: a port can be
// taken in between (another server of the machine, another Orthanc among them, picked the
// same free port). Orthanc then stops at start ("already in use"); the launcher picks other
// ports and starts it again, and only takes an Orthanc that answers with its own Name for
// ready, never the server that took the port. Starts its own Orthanc.
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalOrthanc, type LocalOrthanc } from '@scantrail/orthanc-local';
import { pickedPort } from '../support/picked-ports';

describe('local Orthanc whose picked HTTP port is taken before it binds it', () => {
  let dataDir: string;
  let orthanc: LocalOrthanc | undefined;
  let impostor: Server | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'scantrail-orthanc-ports-'));
  });
  afterAll(async () => {
    await orthanc?.stop();
    await new Promise((done) => (impostor ? impostor.close(done) : done(undefined)));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('should start on other ports, saying so, and not take the server on its port for itself', async () => {
    const portsFile = join(dataDir, 'ports.json');
    for (let attempt = 1; ; attempt += 1) {
      const lines: string[] = [];
      const starting = startLocalOrthanc({
        dataDir,
        name: 'ports-test-orthanc',
        log: (line) => lines.push(line),
      });
      // The ports are written before Orthanc starts: take the HTTP one as soon as it is known,
      // with a server that answers /system as another Orthanc would.
      const taken = await pickedPort(portsFile, 'http');
      const server = createServer((_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ Name: 'another-orthanc', Version: '1.10.1' }));
      });
      const listening = await new Promise<boolean>((settled) => {
        server.once('error', () => settled(false));
        server.listen(taken, '127.0.0.1', () => settled(true));
      });
      if (!listening) {
        // Orthanc bound the port before this test's process could (its event loop held up on
        // a loaded machine: fresh-ci once): the race under test did not happen. Start over.
        await (await starting).stop();
        rmSync(portsFile, { force: true });
        expect(attempt).toBeLessThan(5);
        continue;
      }
      impostor = server;

      orthanc = await starting;
      expect(orthanc.ports.http).not.toBe(taken);
      expect(lines.some((l) => l.includes(`ports ${taken}/`) && l.includes('were taken'))).toBe(
        true,
      );
      const system = (await (await fetch(`${orthanc.url}/system`)).json()) as { Name: string };
      expect(system.Name).toBe('ports-test-orthanc');
      // The data folder remembers the ports it runs on now, for the next start.
      expect(JSON.parse(readFileSync(portsFile, 'utf8'))).toEqual(orthanc.ports);
      return;
    }
  }, 240_000);
});
