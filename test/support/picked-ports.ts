// The local servers (Kafka, Orthanc) write the ports they picked to a JSON file in their
// data folder just before they start the server. A test that wants a picked port taken
// before the server binds it reads it from there as soon as it is written.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The port `name` of the ports file, as soon as the file is there and whole. */
export async function pickedPort(portsFile: string, name: string): Promise<number> {
  while (!existsSync(portsFile)) await sleep(5);
  for (let tries = 0; tries < 100; tries += 1) {
    try {
      const port = (JSON.parse(readFileSync(portsFile, 'utf8')) as Record<string, unknown>)[name];
      if (typeof port === 'number') return port;
    } catch {
      // written, not yet whole
    }
    await sleep(5);
  }
  throw new Error(`${portsFile} holds no port "${name}"`);
}
