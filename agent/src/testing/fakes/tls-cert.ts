/**
 * A throw-away self-signed certificate for the TLS fakes (Cartesia's SDK always dials wss://).
 * Generated once per process with the `openssl` CLI into a temp dir; valid for 127.0.0.1, ::1 and
 * localhost for two days. Never used outside tests and the local fake server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsMaterial {
  key: string;
  cert: string;
}

let cached: TlsMaterial | undefined;

export function selfSignedCert(): TlsMaterial {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-fake-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    cached = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
