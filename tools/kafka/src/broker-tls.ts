// The secured local broker's TLS material: a throw-away CA and a broker certificate for
// 127.0.0.1 signed by it, made with openssl into the broker's data directory. Kafka reads
// them as PEM (ssl.keystore.type=PEM, Kafka 2.7+): no Java keystore, no keytool.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './command-runner';

export interface BrokerTlsFiles {
  /** The CA's certificate: what clients trust (KAFKA_SSL_CA_FILE). */
  caFile: string;
  /** The broker's PKCS#8 key followed by its certificate (SAN IP:127.0.0.1). */
  keystoreFile: string;
}

const HINT = 'openssl is needed to make the secured local broker certificates.';

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd, hint: HINT });
  if (result.code !== 0) {
    throw new Error(`openssl ${args[0]} failed (exit ${result.code}):\n${result.output}`);
  }
}

/** Makes the CA and the broker certificate under `dir` once; later starts reuse them. */
export async function ensureBrokerTls(dir: string): Promise<BrokerTlsFiles> {
  const files = { caFile: join(dir, 'ca.pem'), keystoreFile: join(dir, 'broker-keystore.pem') };
  if (existsSync(files.caFile) && existsSync(files.keystoreFile)) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const days = '365';
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem.tmp',
      '-days',
      days,
      '-subj',
      '/CN=scantrail local Kafka test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'broker.key',
      '-out',
      'broker.csr',
      '-subj',
      '/CN=127.0.0.1',
    ],
    dir,
  );
  await writeFile(
    join(dir, 'broker.ext'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      '',
    ].join('\n'),
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'broker.csr',
      '-CA',
      'ca.pem.tmp',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'broker.crt',
      '-days',
      days,
      '-extfile',
      'broker.ext',
    ],
    dir,
  );
  // `openssl req -nodes` writes PKCS#8 ("BEGIN PRIVATE KEY"), the form Kafka's PEM keystore reads.
  const key = await readFile(join(dir, 'broker.key'), 'utf8');
  const certificate = await readFile(join(dir, 'broker.crt'), 'utf8');
  await writeFile(files.keystoreFile, `${key.trimEnd()}\n${certificate}`, { mode: 0o600 });
  await writeFile(files.caFile, await readFile(join(dir, 'ca.pem.tmp')));
  // The CA key signs nothing else: keeping it would only let it sign more.
  for (const name of [
    'ca.key',
    'ca.pem.tmp',
    'ca.pem.srl',
    'broker.key',
    'broker.csr',
    'broker.crt',
    'broker.ext',
  ]) {
    await rm(join(dir, name), { force: true });
  }
  return files;
}
