import { startEmbeddedPostgres } from '@scantrail/local-postgres';
import { Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import {
  createLogger,
  ledgerOriginSetting,
  loadSettingsOrExit,
  logLevelSetting,
  settingOrExit,
} from '@scantrail/config';
import { resolveKafkaBrokers, runningLocalBrokers } from '@scantrail/local-kafka';
import { isRole, mintToken, ROLES } from '@scantrail/access';
import { createKafka, type KafkaClient } from '@scantrail/kafka';
import { describeLockHolder, LedgerLog, openDatabase, type Database } from '@scantrail/storage';
import {
  exportLedger,
  keygen,
  printCheckpoint,
  verify,
  verifyReadModelsCommand,
} from './src/commands/ledger.commands';
import { keepDeletionObligationsCommand, rebuildReadModels } from './src/commands/rebuild.command';
import { produceDemo } from './src/commands/demo.command';
import {
  isReplayable,
  replayQuarantine,
  REPLAYABLE,
  type ReplayableReason,
} from './src/commands/quarantine-replay.command';
import { writeAccountingReport } from './src/commands/report.command';
import {
  writePatientRightsFile,
  type PatientRightsFile,
} from './src/commands/patient-rights.command';
import {
  INSPECT_EXIT,
  exitCodeOf,
  formatRun,
  inspectionEvents,
  jsonRun,
  runInspection,
} from './src/commands/inspect.command';

const logger = createLogger(
  'scantrail-cli',
  settingOrExit(() => logLevelSetting(process.env, 'warn')),
);

function whole(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

async function withDatabase<T>(
  run: (db: Database, settings: ReturnType<typeof loadSettingsOrExit>) => Promise<T>,
): Promise<T> {
  const settings = loadSettingsOrExit();
  const db = await openDatabase({
    databaseUrl: settings.databaseUrl,
    migrationDatabaseUrl: settings.migrationDatabaseUrl,
    apiDatabaseUrl: settings.apiDatabaseUrl,
    bridgeDatabaseUrl: settings.bridgeDatabaseUrl,
    dataDir: settings.dataDir,
    localDatabase: startEmbeddedPostgres,
    name: 'cli',
    poolSize: 2,
  });
  try {
    return await run(db, settings);
  } finally {
    await db.close();
  }
}

/**
 * A Kafka client of KAFKA_BROKERS, else of the local broker running under the data folder,
 * else of one started for this command (and stopped after it).
 */
async function withKafka<T>(
  settings: ReturnType<typeof loadSettingsOrExit>,
  clientId: string,
  run: (kafka: KafkaClient) => Promise<T>,
): Promise<T> {
  const brokers = settings.kafkaBrokers ?? (await runningLocalBrokers(settings.dataDir));
  const resolved = brokers
    ? { brokers, stop: () => Promise.resolve() }
    : await resolveKafkaBrokers(settings, logger);
  const kafka = createKafka({
    brokers: resolved.brokers,
    clientId,
    logLevel: 'error',
    security: settings.kafkaSecurity,
  });
  try {
    return await run(kafka);
  } finally {
    await kafka.disconnect();
    await resolved.stop();
  }
}

const program = new Command('scantrail')
  .description('scantrail operator commands (settings come from the environment, see README)')
  .showHelpAfterError();

program
  .command('migrate')
  .description(
    "apply pending migrations as MIGRATION_DATABASE_URL (default DATABASE_URL) and grant DATABASE_URL's role, API_DATABASE_URL's (or an existing scantrail_api) and BRIDGE_DATABASE_URL's (or an existing scantrail_bridge) their rights",
  )
  .action(() =>
    withDatabase(() => {
      process.stdout.write('migrations applied; the schema is up to date\n');
      return Promise.resolve();
    }),
  );

program
  .command('keygen')
  .description('make an Ed25519 signer key for LEDGER_SIGNING_KEY and print its verifier key')
  .option('--name <origin>', 'key name (must equal LEDGER_ORIGIN; default: LEDGER_ORIGIN)')
  .action((options: { name?: string }) =>
    keygen(options.name ?? settingOrExit(() => ledgerOriginSetting(process.env))),
  );

program
  .command('token')
  .description('mint a bearer token signed with AUTH_JWT_SECRET (development and operations)')
  .requiredOption('--role <role>', ROLES.join(' | '))
  .option('--vendor <vendorId>', 'vendor id (required for the vendor role)')
  .option('--sub <subject>', 'who the token is for', 'dev-user')
  .option('--ttl <seconds>', 'lifetime in seconds', whole, 8 * 3600)
  .action((options: { role: string; vendor?: string; sub: string; ttl: number }) => {
    const settings = loadSettingsOrExit();
    if (!isRole(options.role)) {
      throw new InvalidArgumentError(`unknown role "${options.role}" (${ROLES.join(', ')})`);
    }
    if (options.role === 'vendor' && !options.vendor)
      throw new InvalidArgumentError('--vendor is required for the vendor role');
    if (options.ttl > settings.authToken.maxLifetimeS) {
      throw new InvalidArgumentError(
        `--ttl ${options.ttl} exceeds AUTH_TOKEN_MAX_LIFETIME_S (${settings.authToken.maxLifetimeS}): the API would refuse the token`,
      );
    }
    // exp and iat always, iss and aud when the API checks them.
    const token = mintToken({
      secret: settings.authJwtSecret,
      sub: options.sub,
      roles: [options.role],
      vendorId: options.vendor,
      ttlSeconds: options.ttl,
      issuer: settings.authToken.issuer,
      audience: settings.authToken.audience,
    });
    process.stdout.write(`${token}\n`);
  });

program
  .command('checkpoint')
  .description('print the latest signed checkpoint and the verifier key')
  .option('--out <file>', 'write the signed note alone to a file (for verify --checkpoint)')
  .action((options: { out?: string }) =>
    withDatabase((db, settings) => printCheckpoint(settings, db, options.out)),
  );

program
  .command('verify')
  .description('recompute every hash, root and checkpoint signature; exit 0 only when all hold')
  .option('--export <dir>', 'verify an export folder offline instead of the database')
  .option(
    '--verifier-key <key>',
    "verifier key to trust (default: LEDGER_VERIFIER_KEY; with --export and neither, the export's own, with a warning)",
  )
  .option(
    '--retired-verifier-key <key>',
    'a verifier key the signer used before a rotation; checkpoints up to the rotation may carry it (repeatable)',
    (key: string, keys: string[]) => [...keys, key],
    [] as string[],
  )
  .option(
    '--checkpoint <file>',
    'a signed checkpoint kept outside the database (e.g. saved before a backup): the log must still hold the tree it signs (repeatable)',
    (file: string, files: string[]) => [...files, file],
    [] as string[],
  )
  .option(
    '--read-models',
    'also replay the ledger into temporary tables and report every read-model or findings row that differs',
  )
  .action(
    async (options: {
      export?: string;
      verifierKey?: string;
      retiredVerifierKey: string[];
      checkpoint: string[];
      readModels?: boolean;
    }) => {
      if (options.export && options.readModels) {
        throw new InvalidArgumentError('--read-models checks the database, not an export');
      }
      const keys = {
        verifierKey: options.verifierKey,
        retiredVerifierKeys: options.retiredVerifierKey,
        savedCheckpoints: await Promise.all(
          options.checkpoint.map((file) => readFile(file, 'utf8')),
        ),
      };
      process.exitCode = options.export
        ? await verify({ exportDir: options.export, ...keys })
        : await withDatabase(async (db, settings) => {
            const ledger = await verify({ settings, db, ...keys });
            const readModels = options.readModels ? await verifyReadModelsCommand(db) : 0;
            return Math.max(ledger, readModels);
          });
    },
  );

program
  .command('export')
  .description('write the ledger, its checkpoints and the verifier key to a folder')
  .requiredOption('--out <dir>', 'target folder')
  .action((options: { out: string }) =>
    withDatabase((db, settings) => exportLedger(settings, db, options.out)),
  );

program
  .command('rebuild')
  .description(
    'drop every read model and rebuild it from the ledger alone (as MIGRATION_DATABASE_URL, the schema owner)',
  )
  .option(
    '--lock-wait-s <seconds>',
    "wait at most this long at a time for the read models' tables (3 waits), then name who holds them and stop",
    whole,
    10,
  )
  .action((options: { lockWaitS: number }) =>
    withDatabase(async (db, settings) => {
      const n = await rebuildReadModels(db, new LedgerLog(settings.ledgerOrigin), {
        waitMs: Math.max(1, options.lockWaitS * 1000),
        tries: 3,
        onWait: (holders, attempt) =>
          logger.warn(
            { holders: holders.map(describeLockHolder), attempt },
            "rebuild: the read models' tables are locked by another session; waiting again",
          ),
      });
      process.stdout.write(`rebuilt read models from ${n} ledger entries\n`);
    }),
  );

program
  .command('keep-obligations')
  .description(
    'evaluate every deletion request again into the kept obligations (once after upgrading; the ingest waits meanwhile)',
  )
  .action(() =>
    withDatabase(async (db, settings) => {
      const n = await keepDeletionObligationsCommand(db, new LedgerLog(settings.ledgerOrigin));
      process.stdout.write(`kept the obligations of ${n} deletion requests\n`);
    }),
  );

program
  .command('report')
  .description(
    "write a patient's accounting of disclosures (PDF, CSV or FHIR) to a file, as privacy officer (access-logged)",
  )
  .requiredOption(
    '--patient <system|value>',
    'the patient identifier, e.g. urn:oid:2.16.840.1.113883.3.7|MRN-004211',
  )
  .option('--from <date>', 'period start, YYYY-MM-DD or RFC 3339 (default: six years before --to)')
  .option('--to <date>', 'period end, YYYY-MM-DD or RFC 3339 (default: now)')
  .option('--format <format>', 'pdf | csv | fhir', 'pdf')
  .requiredOption('--out <file>', 'file to write (created readable by its owner only)')
  .action((options: { patient: string; from?: string; to?: string; format: string; out: string }) =>
    withDatabase(async (db, settings) => {
      const report = await writeAccountingReport(settings, db, options);
      process.stdout.write(
        `wrote ${report.format} accounting report (${report.entries} entries, ledger tree size ${report.treeSize}) to ${options.out}\n`,
      );
    }),
  );

/** Runs a take-home file command of section 3.1 and says what it wrote. */
function writeRightsFile(file: PatientRightsFile, out: string): Promise<void> {
  return withDatabase(async (db, settings) => {
    const report = await writePatientRightsFile(settings, db, file, out);
    process.stdout.write(`wrote ${report.filename} (${report.body.length} bytes) to ${out}\n`);
  });
}

const OUT_HELP = 'file to write (created readable by its owner only)';
const AS_OF_HELP = 'status as of, YYYY-MM-DD (its end) or RFC 3339 (default: now)';

program
  .command('deletion-letter')
  .description(
    "write a deletion request's status letter to the patient (PDF or CSV: each holder, what it held, attested or not, by when), as privacy officer (access-logged)",
  )
  .argument('<requestId>', 'the deletion request')
  .option('--as-of <date>', AS_OF_HELP)
  .option('--format <format>', 'pdf | csv', 'pdf')
  .requiredOption('--out <file>', OUT_HELP)
  .action((requestId: string, options: { asOf?: string; format: string; out: string }) =>
    writeRightsFile(
      { kind: 'deletion-letter', requestId, asOf: options.asOf, format: options.format },
      options.out,
    ),
  );

program
  .command('open-obligations')
  .description(
    'write every open or overdue deletion obligation, by vendor (CSV), to send to vendors',
  )
  .option('--as-of <date>', AS_OF_HELP)
  .requiredOption('--out <file>', OUT_HELP)
  .action((options: { asOf?: string; out: string }) =>
    writeRightsFile({ kind: 'open-obligations', asOf: options.asOf }, options.out),
  );

program
  .command('breach-worklist')
  .description(
    "write a breach's notification worklist (CSV: study uid, accession number, pseudonym, received at, de-identified, notification required)",
  )
  .argument('<breachId>', 'the breach report')
  .requiredOption('--out <file>', OUT_HELP)
  .action((breachId: string, options: { out: string }) =>
    writeRightsFile({ kind: 'breach-worklist', breachId }, options.out),
  );

program
  .command('breach-summary')
  .description(
    "write a breach's one-page summary (PDF: counts, the three deadlines, the rule behind each)",
  )
  .argument('<breachId>', 'the breach report')
  .requiredOption('--out <file>', OUT_HELP)
  .action((breachId: string, options: { out: string }) =>
    writeRightsFile({ kind: 'breach-summary', breachId }, options.out),
  );

program
  .command('demo')
  .description('produce a deterministic demo hospital stream to KAFKA_TOPIC')
  .option('--events <n>', 'number of events', whole, 2000)
  .option('--seed <s>', 'seed', whole, 1)
  .option('--topic <topic>', 'topic (default KAFKA_TOPIC)')
  .action(async (options: { events: number; seed: number; topic?: string }) => {
    const settings = loadSettingsOrExit();
    await withKafka(settings, 'scantrail-demo', async (kafka) => {
      const topic = options.topic ?? settings.kafkaTopic;
      const sent = await produceDemo(kafka, topic, options.events, options.seed);
      process.stdout.write(`produced ${sent} demo events to ${topic}\n`);
    });
  });

function replayableReason(value: string): ReplayableReason {
  if (!isReplayable(value)) {
    throw new InvalidArgumentError(
      `must be one of ${REPLAYABLE.join(', ')} (the producer's own faults would only be refused again)`,
    );
  }
  return value;
}

program
  .command('quarantine-replay')
  .description(
    'send the quarantined messages of one reason category to Kafka again, key and value as received, once what refused them has changed (a fix of ours, a schema change, a raised limit); safe to repeat: the ledger records each event once',
  )
  .requiredOption('--reason <category>', REPLAYABLE.join(' | '), replayableReason)
  .option('--from-id <n>', 'first quarantine id (see the quarantine query)', whole)
  .option('--to-id <n>', 'last quarantine id', whole)
  .option('--topic <topic>', "topic to send to (default: each message's own)")
  .option('--dry-run', 'list what would be sent, send nothing')
  .action(
    (options: {
      reason: ReplayableReason;
      fromId?: number;
      toId?: number;
      topic?: string;
      dryRun?: boolean;
    }) =>
      withDatabase((db, settings) =>
        withKafka(settings, 'scantrail-quarantine-replay', async (kafka) => {
          const dryRun = options.dryRun === true;
          const sent = await replayQuarantine(db.dataSource, kafka, { ...options, dryRun }, (m) =>
            process.stdout.write(
              `${dryRun ? 'would send' : 'sent'} #${m.id} (${m.topic} / ${m.partition} / ${m.offset}, ${m.bytes} bytes): ${m.reason}\n`,
            ),
          );
          process.stdout.write(
            dryRun
              ? `${sent.length} quarantined messages would be sent (dry run: nothing sent)\n`
              : `${sent.length} quarantined messages sent; the ingest records each event once, and quarantines again (at its new coordinates) a message still refused\n`,
          );
        }),
      ),
  );

program
  .command('inspect')
  .description(
    'read the DICOM headers of de-identified copies and report, per study, what identifies the patient (exit 0 all pass, 3 one fails, 2 an error)',
  )
  .argument('<paths...>', 'DICOM Part 10 files or folders (walked recursively)')
  .option('--original <folder>', "the original study's files: also checks for kept original values")
  .option('--publish', 'produce a deidentification.inspected event per study to KAFKA_TOPIC')
  .option('--json', 'print JSON instead of the table')
  .option('--source <uri>', 'CloudEvents source of published events', 'urn:scantrail:cli:inspect')
  .action(
    async (
      paths: string[],
      options: { original?: string; publish?: boolean; json?: boolean; source: string },
    ) => {
      const run = await runInspection(paths, options.original ? [options.original] : []);
      process.stdout.write(options.json ? jsonRun(run) : formatRun(run));
      process.exitCode = exitCodeOf(run);
      if (!options.publish || run.studies.length === 0) return;
      const settings = loadSettingsOrExit();
      const brokers = settings.kafkaBrokers ?? (await runningLocalBrokers(settings.dataDir));
      if (!brokers) {
        process.stderr.write('scantrail: --publish needs KAFKA_BROKERS or a running local Kafka\n');
        process.exitCode = INSPECT_EXIT.ERROR;
        return;
      }
      const kafka = createKafka({
        brokers,
        clientId: 'scantrail-inspect',
        logLevel: 'error',
        security: settings.kafkaSecurity,
      });
      try {
        const producer = await kafka.producer();
        const events = inspectionEvents(run, options.source, new Date());
        if (events.length > 0) await producer.send(settings.kafkaTopic, events);
        await producer.disconnect();
        process.stderr.write(
          `published ${events.length} inspection${events.length === 1 ? '' : 's'} to ${settings.kafkaTopic}\n`,
        );
        const withheld = run.studies.length - events.length;
        if (withheld > 0) {
          process.stderr.write(
            `scantrail: ${withheld} passing inspection${withheld === 1 ? '' : 's'} not published: ${run.problems.length} file${run.problems.length === 1 ? '' : 's'} could not be read (listed above) and may be what names the patient; remove or repair them and run again\n`,
          );
        }
      } catch (error) {
        process.stderr.write(`scantrail: publishing failed: ${(error as Error).message}\n`);
        process.exitCode = INSPECT_EXIT.ERROR;
      } finally {
        await kafka.disconnect();
      }
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`scantrail: ${(error as Error).message}\n`);
  process.exit(1);
});
