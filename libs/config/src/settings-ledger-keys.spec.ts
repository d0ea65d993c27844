import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSignerKey } from '@scantrail/ledger';
import { loadSettings } from './settings';

const ORIGIN = 'keys.scantrail.test/ledger';

describe('loadSettings: checkpoint keys and database roles', () => {
  let dataDir: string;
  const base = (): Record<string, string> => ({
    SCANTRAIL_DATA_DIR: dataDir,
    LEDGER_ORIGIN: ORIGIN,
    AUTH_JWT_SECRET: 'x'.repeat(32),
    PSEUDONYM_KEY: 'ab'.repeat(32),
  });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scantrail-settings-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('should give the signer only to the process that signs when LEDGER_SIGNING_KEY is set', () => {
    const keys = generateSignerKey(ORIGIN);
    const env = { ...base(), LEDGER_SIGNING_KEY: keys.signerKey };
    const ingest = loadSettings(env, { signs: true });
    expect(ingest.ledgerSigner?.verifierKey).toBe(keys.verifierKey);
    expect(ingest.ledgerVerifierKey).toBe(keys.verifierKey);
    const api = loadSettings(env);
    expect(api.ledgerSigner).toBeUndefined();
    expect(api.ledgerVerifierKey).toBe(keys.verifierKey);
  });

  it('should start a reader in production with LEDGER_VERIFIER_KEY alone', () => {
    const keys = generateSignerKey(ORIGIN);
    const settings = loadSettings({
      ...base(),
      NODE_ENV: 'production',
      LEDGER_VERIFIER_KEY: keys.verifierKey,
    });
    expect(settings.ledgerSigner).toBeUndefined();
    expect(settings.ledgerVerifierKey).toBe(keys.verifierKey);
    expect(settings.devSecrets).toBe(false);
  });

  it.each([
    [{ NODE_ENV: 'production' }, {}, /setting LEDGER_VERIFIER_KEY: is required/],
    [{ NODE_ENV: 'production' }, { signs: true }, /setting LEDGER_SIGNING_KEY: is required/],
    [{ LEDGER_VERIFIER_KEY: 'nonsense' }, {}, /setting LEDGER_VERIFIER_KEY: /],
    [
      { LEDGER_VERIFIER_KEY: generateSignerKey('other.origin/ledger').verifierKey },
      {},
      /LEDGER_VERIFIER_KEY: key name "other.origin\/ledger" must equal LEDGER_ORIGIN/,
    ],
    [
      {
        LEDGER_SIGNING_KEY: generateSignerKey(ORIGIN).signerKey,
        LEDGER_VERIFIER_KEY: generateSignerKey(ORIGIN).verifierKey,
      },
      {},
      /LEDGER_VERIFIER_KEY: does not match LEDGER_SIGNING_KEY/,
    ],
    [{ MIGRATION_DATABASE_URL: 'mysql://x@y/z' }, {}, /MIGRATION_DATABASE_URL: must use postgres/],
  ])('should refuse %j (%j) with one line naming the setting', (extra, options, message) => {
    expect(() => loadSettings({ ...base(), ...extra }, options)).toThrow(message);
  });

  it('should generate one development key pair that readers see only as the verifier key', () => {
    const ingest = loadSettings(base(), { signs: true });
    const api = loadSettings(base());
    expect(api.ledgerSigner).toBeUndefined();
    expect(api.ledgerVerifierKey).toBe(ingest.ledgerSigner?.verifierKey);
    const saved = JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')) as {
      verifierKeys: Record<string, string>;
    };
    expect(saved.verifierKeys[ORIGIN]).toBe(api.ledgerVerifierKey);
  });

  it('should read MIGRATION_DATABASE_URL beside DATABASE_URL when both are set', () => {
    const settings = loadSettings({
      ...base(),
      DATABASE_URL: 'postgres://app:a@127.0.0.1:5432/scantrail',
      MIGRATION_DATABASE_URL: 'postgres://owner:o@127.0.0.1:5432/scantrail',
    });
    expect(settings.databaseUrl).toBe('postgres://app:a@127.0.0.1:5432/scantrail');
    expect(settings.migrationDatabaseUrl).toBe('postgres://owner:o@127.0.0.1:5432/scantrail');
  });
});
