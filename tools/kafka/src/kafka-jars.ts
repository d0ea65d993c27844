// Where the broker's jars come from: Maven Central, through tools/kafka/pom.xml, copied
// into tools/kafka/lib. Offline first, so a second start needs no network.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from './command-runner';

/** Written into lib/ last; holds the hash of the pom it was filled from. */
const COMPLETE_MARKER = '.complete';

/**
 * tools/kafka, found by walking up from this file: works from src/ (ts-node, jest) and from
 * dist/tools/kafka/src/ (compiled), whatever the working directory is.
 */
export function kafkaToolDir(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'tools', 'kafka');
    if (existsSync(join(candidate, 'pom.xml'))) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`tools/kafka/pom.xml not found above ${from}; is the repository intact?`);
    }
    dir = parent;
  }
}

function pomHash(toolDir: string): string {
  return createHash('sha256')
    .update(readFileSync(join(toolDir, 'pom.xml')))
    .digest('hex');
}

async function isComplete(libDir: string, hash: string): Promise<boolean> {
  try {
    return (await readFile(join(libDir, COMPLETE_MARKER), 'utf8')).trim() === hash;
  } catch {
    return false;
  }
}

/**
 * Makes sure tools/kafka/lib holds the jars for the current pom.xml and returns its path.
 * Safe when several processes race: each fills its own temporary directory and renames it.
 */
export async function ensureKafkaJars(
  options: { toolDir?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const toolDir = options.toolDir ?? kafkaToolDir();
  const libDir = join(toolDir, 'lib');
  const hash = pomHash(toolDir);
  if (await isComplete(libDir, hash)) {
    return libDir;
  }

  const tmpDir = join(toolDir, `lib.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const mavenArgs = [
    '-q',
    '-B',
    'dependency:copy-dependencies',
    `-DoutputDirectory=${tmpDir}`,
    '-DincludeScope=runtime',
  ];
  const hint = 'Maven 3 and Java 17 are needed to fetch and run the local Kafka broker.';
  try {
    // Offline first: after one successful fetch, everything is in ~/.m2.
    let result = await runCommand('mvn', ['-o', ...mavenArgs], { cwd: toolDir, hint });
    if (result.code !== 0) {
      options.log?.('fetching the Apache Kafka jars from Maven Central (first run only)');
      result = await runCommand('mvn', mavenArgs, { cwd: toolDir, hint });
    }
    if (result.code !== 0) {
      throw new Error(`mvn dependency:copy-dependencies failed in ${toolDir}:\n${result.output}`);
    }
    await writeFile(join(tmpDir, COMPLETE_MARKER), `${hash}\n`);
    if (!(await isComplete(libDir, hash))) {
      // A stale or partial lib/ (older pom, interrupted copy) is replaced whole, so jars of
      // two Kafka versions never mix on one classpath.
      await rm(libDir, { recursive: true, force: true });
      try {
        await rename(tmpDir, libDir);
      } catch (error) {
        // Another process won the race; its lib/ is as good as ours.
        if (!(await isComplete(libDir, hash))) {
          throw error;
        }
      }
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
  return libDir;
}
