// The secured local broker's TLS material: a throw-away CA and a broker certificate for
// 127.0.0.1 signed by it, made with openssl into the broker's data directory. Kafka reads
// them as PEM (ssl.keystore.type=PEM, Kafka 2.7+): no Java keystore, no keytool. Client
// certificates for mutual TLS are signed in the same pass, while the CA key exists.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './command-runner';

export interface BrokerTlsFiles {
  /** The CA's certificate: what clients trust (KAFKA_SSL_CA_FILE). */
  caFile: string;
  /** The broker's PKCS#8 key followed by its certificate (SAN IP:127.0.0.1). */
  keystoreFile: string;
  /** Per user asked for: a client certificate (subject CN=<user>) and its PKCS#8 key, PEM. */
  clients: Record<string, { certFile: string; keyFile: string }>;
}

const HINT = 'openssl is needed to make the secured local broker certificates.';

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await runCommand('openssl', args, { cwd, hint: HINT });
  if (result.code !== 0) {
    throw new Error(`openssl ${args[0]} failed (exit ${result.code}):\n${result.output}`);
  }
}

/**
 * Makes the CA, the broker certificate and a client certificate for each of `clients` under
 * `dir` once; later starts reuse them. A client not made before means a new CA (its key is
 * not kept), so every certificate is made again.
 */
export async function ensureBrokerTls(
  dir: string,
  clients: readonly string[] = [],
): Promise<BrokerTlsFiles> {
  const files: BrokerTlsFiles = {
    caFile: join(dir, 'ca.pem'),
    keystoreFile: join(dir, 'broker-keystore.pem'),
    clients: Object.fromEntries(
      clients.map((name) => {
        if (!/^[A-Za-z0-9._-]+$/.test(name)) {
          throw new Error(
            `client certificate ${JSON.stringify(name)}: letters, digits and ._- only`,
          );
        }
        const certFile = join(dir, `client-${name}.pem`);
        return [name, { certFile, keyFile: join(dir, `client-${name}-key.pem`) }];
      }),
    ),
  };
  const made = [
    files.caFile,
    files.keystoreFile,
    ...Object.values(files.clients).flatMap((c) => [c.certFile, c.keyFile]),
  ];
  if (made.every((file) => existsSync(file))) return files;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await selfSignedCertificate({
    dir,
    subject: '/CN=scantrail local Kafka test CA',
    keyFile: 'ca.key',
    certFile: 'ca.pem.tmp',
    ca: true,
  });
  await signedByCa(dir, {
    subject: '/CN=127.0.0.1',
    keyFile: 'broker.key',
    certFile: 'broker.crt',
    extensions: [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
    ],
  });
  // `openssl req -nodes` writes PKCS#8 ("BEGIN PRIVATE KEY"), the form Kafka's PEM keystore reads.
  const key = await readFile(join(dir, 'broker.key'), 'utf8');
  const certificate = await readFile(join(dir, 'broker.crt'), 'utf8');
  await writeFile(files.keystoreFile, `${key.trimEnd()}\n${certificate}`, { mode: 0o600 });
  // Client certificates for mutual TLS: CN=<name> is the broker's principal User:<name>.
  for (const [name, { certFile, keyFile }] of Object.entries(files.clients)) {
    await signedByCa(dir, {
      subject: `/CN=${name}`,
      keyFile,
      certFile,
      extensions: [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=clientAuth',
      ],
    });
  }
  await writeFile(files.caFile, await readFile(join(dir, 'ca.pem.tmp')));
  // The CA key signs nothing else: keeping it would only let it sign more.
  for (const name of ['ca.key', 'ca.pem.tmp', 'ca.pem.srl', 'broker.key', 'broker.crt']) {
    await rm(join(dir, name), { force: true });
  }
  return files;
}

/**
 * A fresh RSA key and a certificate signed by itself, valid a year: the local CA (`ca`), or
 * (tests) a client certificate no broker trusts. Paths relative to `dir` or absolute.
 */
export async function selfSignedCertificate(options: {
  dir: string;
  subject: string;
  keyFile: string;
  certFile: string;
  ca?: boolean;
}): Promise<void> {
  const { dir, subject, keyFile, certFile } = options;
  const caExtensions = options.ca
    ? [
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]
    : [];
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '365',
      '-subj',
      subject,
      ...caExtensions,
    ],
    dir,
  );
}

/** A fresh RSA key (PKCS#8) and a certificate for it signed by the CA being made in `dir`. */
async function signedByCa(
  dir: string,
  cert: { subject: string; keyFile: string; certFile: string; extensions: string[] },
): Promise<void> {
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      cert.keyFile,
      '-out',
      'signed.csr',
      '-subj',
      cert.subject,
    ],
    dir,
  );
  await writeFile(join(dir, 'signed.ext'), `${cert.extensions.join('\n')}\n`);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'signed.csr',
      '-CA',
      'ca.pem.tmp',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      cert.certFile,
      '-days',
      '365',
      '-extfile',
      'signed.ext',
    ],
    dir,
  );
  for (const file of ['signed.csr', 'signed.ext']) await rm(join(dir, file), { force: true });
}
