import { mkdir, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Settings } from '@scantrail/config';
import { generateSignerKey } from '@scantrail/ledger';
import { CheckpointStore, LedgerLog, LedgerReader, type Database } from '@scantrail/storage';
import { Progress } from '../progress';
import { writeTiles } from './tile-export';
import { ExportTilesCheck } from '../verify/export-tiles-check';
import {
  databaseCheckpoints,
  databaseEntries,
  databaseEntryRows,
  databaseStoredHashes,
  exportSource,
  readExportManifest,
  EXPORT_FORMAT,
  type ExportManifest,
} from '../verify/ledger-sources';
import { describeProblem, verifyLedger, type VerifyInput } from '../verify/ledger-verifier';
import { describeDifference, verifyReadModels } from '../verify/read-model-verifier';

export function keygen(name: string): void {
  const { signerKey, verifierKey } = generateSignerKey(name);
  // The signing key is for the ingest alone; the API and CLI take the verifier key.
  process.stdout.write(`LEDGER_SIGNING_KEY=${signerKey}\nLEDGER_VERIFIER_KEY=${verifierKey}\n`);
}

/**
 * The latest checkpoint the ingest signed (the CLI never signs): printed with the verifier
 * key, or its signed note alone written to `out` (what `verify --checkpoint` reads back).
 */
export async function printCheckpoint(
  settings: Settings,
  db: Database,
  out?: string,
): Promise<void> {
  const store = new CheckpointStore(db.dataSource, new LedgerLog(settings.ledgerOrigin));
  const latest = await store.latest();
  if (!latest) {
    throw new Error(
      'no checkpoint signed yet: the ingest signs one when it starts and every CHECKPOINT_INTERVAL_S while the log grows',
    );
  }
  if (out !== undefined) {
    await writeFile(out, latest.note);
    process.stdout.write(`wrote the checkpoint of tree size ${latest.treeSize} to ${out}\n`);
    return;
  }
  process.stdout.write(`${latest.note}\nverifier key: ${settings.ledgerVerifierKey}\n`);
}

/** Verifies the database ledger or an export folder; returns the process exit code. */
export async function verify(options: {
  settings?: Settings;
  db?: Database;
  exportDir?: string;
  verifierKey?: string;
  retiredVerifierKeys?: readonly string[];
  savedCheckpoints?: readonly string[];
}): Promise<number> {
  let input: Omit<VerifyInput, 'onProgress'>;
  let total: number | undefined;
  // An export's C2SP tiles, compared with the entries as verify passes them.
  let tiles: ExportTilesCheck | undefined;
  if (options.exportDir) {
    // The key to trust is the published one (--verifier-key or LEDGER_VERIFIER_KEY): the
    // key an export's own manifest names proves only that the export agrees with itself.
    const configured = process.env.LEDGER_VERIFIER_KEY?.trim() || undefined;
    const trusted = options.verifierKey ?? configured;
    const manifest = await readExportManifest(options.exportDir);
    input = await exportSource(options.exportDir, trusted, manifest);
    tiles = await ExportTilesCheck.open(options.exportDir, manifest.format);
    if (trusted === undefined) {
      process.stderr.write(
        `trusting the export's own verifier key ${input.verifierKey}: compare it with the published one, or pass --verifier-key or LEDGER_VERIFIER_KEY\n`,
      );
    }
    // For the progress bar only: verify itself trusts nothing the manifest says.
    total = manifest.treeSize;
  } else {
    const { settings, db } = options;
    if (!settings || !db) throw new Error('verify needs a database or --export');
    total = await new LedgerReader(db.dataSource).treeSize();
    input = {
      origin: settings.ledgerOrigin,
      verifierKey: options.verifierKey ?? settings.ledgerVerifierKey,
      entries: databaseEntries(db.dataSource),
      storedHashes: databaseStoredHashes(db.dataSource),
      checkpoints: await databaseCheckpoints(db.dataSource),
    };
  }
  const progress = new Progress('verifying', total);
  const report = await verifyLedger({
    ...input,
    retiredVerifierKeys: options.retiredVerifierKeys,
    savedCheckpoints: options.savedCheckpoints,
    onVerified: tiles && ((page, tree) => tiles.add(page, tree)),
    onProgress: (n) => progress.update(n),
  });
  progress.done();
  const rate = Math.round(report.entries / Math.max(report.seconds, 0.001));
  const tilesProblem = report.ok ? tiles?.finish() : undefined;
  if (tilesProblem !== undefined) {
    process.stdout.write(`FAILED: ${tilesProblem} (${report.entries} entries checked)\n`);
    return 1;
  }
  if (report.ok) {
    process.stdout.write(
      `verified: ${report.entries} entries and ${report.checkpoints} checkpoints hold (${rate} entries/s)\n`,
    );
    return 0;
  }
  process.stdout.write(
    `FAILED: ${describeProblem(report.problem!)} (${report.entries} entries checked, ${rate} entries/s)\n`,
  );
  return 1;
}

/**
 * Replays the ledger and compares every read model with the replay; prints each row that
 * differs and returns the exit code (1 when any differs).
 */
export async function verifyReadModelsCommand(db: Database): Promise<number> {
  const progress = new Progress('replaying', await new LedgerReader(db.dataSource).treeSize());
  const report = await verifyReadModels(db.dataSource, (n) => progress.update(n));
  progress.done();
  if (report.total === 0) {
    process.stdout.write(
      `read models: all ${report.tables} tables match a replay of ${report.entries} ledger entries\n`,
    );
    return 0;
  }
  const lines = report.differences.map((d) => `  ${describeDifference(d)}\n`);
  const unlisted = report.total - report.differences.length;
  process.stdout.write(
    `FAILED: read models: ${report.total} rows differ from a replay of ${report.entries} ledger entries\n${lines.join('')}${unlisted > 0 ? `  ... and ${unlisted} more\n` : ''}`,
  );
  return 1;
}

/**
 * Streams the ledger up to its latest signed checkpoint (entries after it are not signed
 * yet, so an auditor could not check them), the checkpoints and the verifier key to a
 * folder that verify can check offline.
 */
export async function exportLedger(settings: Settings, db: Database, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const treeSize = (await databaseCheckpoints(db.dataSource)).at(-1)?.treeSize ?? 0;
  const leafHashes: Buffer[] = [];
  const leafData: string[] = [];
  const progress = new Progress('exporting', treeSize);
  const out = createWriteStream(join(dir, 'entries.jsonl'));
  let count = 0;
  for await (const page of databaseEntryRows(db.dataSource)) {
    for (const e of page) {
      if (e.sequence >= treeSize) break;
      const line = JSON.stringify({
        sequence: e.sequence,
        leafData: e.leafData,
        leafHash: e.leafHash.toString('base64'),
        chainHash: e.chainHash.toString('base64'),
      });
      if (!out.write(`${line}\n`)) await once(out, 'drain');
      leafHashes.push(e.leafHash);
      leafData.push(e.leafData);
      count += 1;
    }
    progress.update(count);
  }
  out.end();
  await once(out, 'finish');
  progress.done();
  const checkpoints = (await databaseCheckpoints(db.dataSource)).filter(
    (c) => c.treeSize <= treeSize,
  );
  await writeFile(
    join(dir, 'checkpoints.jsonl'),
    checkpoints
      .map((c) =>
        JSON.stringify({
          treeSize: c.treeSize,
          rootHash: c.rootHash.toString('base64'),
          note: c.note,
        }),
      )
      .join('\n') + '\n',
  );
  if (checkpoints.length > 0)
    await writeFile(join(dir, 'checkpoint'), checkpoints[checkpoints.length - 1].note);
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    origin: settings.ledgerOrigin,
    verifierKey: settings.ledgerVerifierKey,
    treeSize: count,
    exportedAt: new Date().toISOString(),
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  await writeFile(join(dir, 'verifier-key'), settings.ledgerVerifierKey + '\n');
  await writeTiles(
    dir,
    leafHashes,
    leafData,
    checkpoints.map((c) => c.treeSize),
  );
  process.stdout.write(
    `exported ${count} entries and ${checkpoints.length} checkpoints to ${dir}\n`,
  );
}
