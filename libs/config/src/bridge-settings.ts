import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LEGAL_BASES, PURPOSES, type LegalBasis, type Purpose } from '@scantrail/contract';
import { z } from 'zod';
import { SettingsError } from './settings';

/** One entry of the destinations file, keyed by the name Orthanc knows the destination by. */
export interface BridgeDestination {
  vendorId: string;
  purpose: Purpose;
  legalBasis: LegalBasis;
  agreementId?: string;
}

export type BridgeDestinations = ReadonlyMap<string, BridgeDestination>;

/** The bridge's own settings (CONTRACT section 6), beside those of section 5. */
export interface BridgeSettings {
  orthancUrl: string;
  orthancCredentials?: { username: string; password: string };
  destinationsFile: string;
  destinations: BridgeDestinations;
  /** BRIDGE_SOURCE when given; otherwise made from Orthanc's Name once it answers. */
  source?: string;
  patientIdSystem: string;
  port: number;
  /** The file the job journal hook writes (tools/orthanc/README.md); unset: not read. */
  jobJournal?: string;
  /** How often the bridge looks at Orthanc's changes, journal and jobs. */
  pollIntervalMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new SettingsError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return parsed;
}

const destinationSchema = z.strictObject({
  vendorId: z.string().min(1),
  purpose: z.enum(PURPOSES, { error: `must be one of ${PURPOSES.join(' ')}` }),
  legalBasis: z.enum(LEGAL_BASES, { error: `must be one of ${LEGAL_BASES.join(' ')}` }),
  agreementId: z.string().min(1).optional(),
});
const destinationsSchema = z.record(z.string().min(1), destinationSchema);

/**
 * Reads and checks a destinations file. Throws a SettingsError naming the file and the
 * first bad entry, in one line.
 */
export function readDestinationsFile(path: string): BridgeDestinations {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const problem =
      error instanceof SyntaxError ? `is not JSON (${error.message})` : 'cannot be read';
    throw new SettingsError('BRIDGE_DESTINATIONS', `${path} ${problem}`);
  }
  const result = destinationsSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.map(String).join('.') || '(top level)';
    throw new SettingsError(
      'BRIDGE_DESTINATIONS',
      `${path}: ${where}: ${issue?.message ?? 'is not { "<name>": { vendorId, purpose, legalBasis, agreementId? } }'}`,
    );
  }
  return new Map(Object.entries(result.data));
}

function orthancUrl(env: Env): string {
  const raw = value(env, 'ORTHANC_URL');
  if (raw === undefined) {
    throw new SettingsError(
      'ORTHANC_URL',
      "is required (Orthanc's REST root, e.g. http://127.0.0.1:8042)",
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not repeated: a URL that does not parse may still carry a password.
    throw new SettingsError('ORTHANC_URL', 'is not a URL (e.g. http://127.0.0.1:8042)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SettingsError('ORTHANC_URL', `must use http:// or https://, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new SettingsError(
      'ORTHANC_URL',
      'must not carry credentials: use ORTHANC_USERNAME and ORTHANC_PASSWORD',
    );
  }
  return raw.replace(/\/+$/, '');
}

export function loadBridgeSettings(env: Env = process.env): BridgeSettings {
  const url = orthancUrl(env);
  const username = value(env, 'ORTHANC_USERNAME');
  const password = env.ORTHANC_PASSWORD ?? undefined;
  if ((username === undefined) !== (password === undefined || password === '')) {
    throw new SettingsError(
      username === undefined ? 'ORTHANC_USERNAME' : 'ORTHANC_PASSWORD',
      'ORTHANC_USERNAME and ORTHANC_PASSWORD go together',
    );
  }
  const destinationsRaw = value(env, 'BRIDGE_DESTINATIONS');
  if (destinationsRaw === undefined) {
    throw new SettingsError(
      'BRIDGE_DESTINATIONS',
      'is required (path of the destinations JSON file)',
    );
  }
  const destinationsFile = resolve(destinationsRaw);
  const source = value(env, 'BRIDGE_SOURCE');
  if (source !== undefined && /\s/.test(source)) {
    throw new SettingsError('BRIDGE_SOURCE', 'must be a URI-reference without spaces');
  }
  const journal = value(env, 'BRIDGE_JOB_JOURNAL');
  return {
    orthancUrl: url,
    orthancCredentials:
      username !== undefined && password !== undefined ? { username, password } : undefined,
    destinationsFile,
    destinations: readDestinationsFile(destinationsFile),
    source,
    patientIdSystem: value(env, 'DICOM_PATIENT_ID_SYSTEM') ?? 'urn:scantrail:dicom:patient-id',
    port: wholeNumber(env, 'BRIDGE_PORT', 3001, 0, 65535),
    jobJournal: journal === undefined ? undefined : resolve(journal),
    pollIntervalMs: wholeNumber(env, 'BRIDGE_POLL_MS', 500, 50, 60_000),
  };
}

/** The default CloudEvents source: Orthanc's Name with characters outside A-Za-z0-9._- as "-". */
export function defaultBridgeSource(orthancName: string): string {
  return `urn:scantrail:orthanc:${orthancName.replace(/[^A-Za-z0-9._-]/g, '-')}`;
}

/** Loads the bridge settings or exits with one clear line naming the bad one. */
export function loadBridgeSettingsOrExit(env: Env = process.env): BridgeSettings {
  try {
    return loadBridgeSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`scantrail-bridge: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
