import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBridgeSource, loadBridgeSettings } from './bridge-settings';

const dir = mkdtempSync(join(tmpdir(), 'bridge-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const good = file(
  'good.json',
  JSON.stringify({
    'vendor-acme': { vendorId: 'vnd-acme', purpose: 'RESEARCH', legalBasis: 'DEIDENTIFIED' },
  }),
);
const env = (overrides: Record<string, string | undefined> = {}) => ({
  ORTHANC_URL: 'http://127.0.0.1:8042/',
  BRIDGE_DESTINATIONS: good,
  ...overrides,
});

describe('loadBridgeSettings', () => {
  it('should read the defaults of CONTRACT section 6', () => {
    const settings = loadBridgeSettings(env());
    expect(settings).toMatchObject({
      orthancUrl: 'http://127.0.0.1:8042',
      patientIdSystem: 'urn:scantrail:dicom:patient-id',
      port: 3001,
      source: undefined,
    });
    expect(settings.destinations.get('vendor-acme')).toEqual({
      vendorId: 'vnd-acme',
      purpose: 'RESEARCH',
      legalBasis: 'DEIDENTIFIED',
    });
  });

  it.each([
    [{ ORTHANC_URL: undefined }, /^setting ORTHANC_URL: is required/],
    [{ ORTHANC_URL: 'ftp://x' }, /^setting ORTHANC_URL: must use http/],
    [{ ORTHANC_URL: 'http://u:p@x' }, /^setting ORTHANC_URL: must not carry credentials/],
    [{ BRIDGE_DESTINATIONS: undefined }, /^setting BRIDGE_DESTINATIONS: is required/],
    [{ BRIDGE_DESTINATIONS: join(dir, 'missing.json') }, /missing\.json cannot be read$/],
    [{ BRIDGE_DESTINATIONS: file('bad.json', '{ nope') }, /bad\.json is not JSON/],
    [
      {
        BRIDGE_DESTINATIONS: file(
          'purpose.json',
          JSON.stringify({ p: { vendorId: 'v', purpose: 'FUN', legalBasis: 'DEIDENTIFIED' } }),
        ),
      },
      /purpose\.json: p\.purpose: must be one of TREATMENT/,
    ],
    [
      {
        BRIDGE_DESTINATIONS: file(
          'basis.json',
          JSON.stringify({ p: { vendorId: 'v', purpose: 'RESEARCH', legalBasis: 'MAYBE' } }),
        ),
      },
      /basis\.json: p\.legalBasis: must be one of PATIENT_AUTHORIZATION/,
    ],
    [{ BRIDGE_PORT: 'x' }, /^setting BRIDGE_PORT: must be a whole number/],
    [{ ORTHANC_USERNAME: 'u' }, /^setting ORTHANC_PASSWORD: .* go together/],
  ])('should refuse %j with one line naming the setting', (overrides, message) => {
    let error: Error | undefined;
    try {
      loadBridgeSettings(env(overrides));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  // Secrets come only from settings and never reach a log line (CONTRACT 5, 6): an
  // ORTHANC_URL that fails to parse (here a bad port) but carries a user and password was
  // echoed whole into the start-up error, password included. Reproduce:
  // ORTHANC_URL='http://admin:OrthancS3cret@orthanc:80x42' npm run start:bridge
  it.each([
    'http://admin:OrthancS3cret@orthanc:80x42',
    'http://admin:OrthancS3cret@orth anc:8042',
    'http://admin:OrthancS3cret@[::1:8042',
  ])('should refuse the unparsable ORTHANC_URL %s without repeating its password', (url) => {
    let message = '';
    try {
      loadBridgeSettings(env({ ORTHANC_URL: url }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^setting ORTHANC_URL: is not a URL/);
    expect(message).not.toContain('OrthancS3cret');
  });
});

describe('defaultBridgeSource', () => {
  it('should replace every character outside A-Za-z0-9._- with "-"', () => {
    expect(defaultBridgeSource('St Elsewhere PACS/ü')).toBe(
      'urn:scantrail:orthanc:St-Elsewhere-PACS--',
    );
  });
});
