/**
 * Trunk transport against a real Kamailio as the PBX (SIP ports 15280–15289, sipp RTP 23280+): the
 * registrar found by DNS SRV (a wire-faithful DNS server on loopback, node:dns's real resolver), and
 * SIP over TLS both ways — we register over TLS to a sips: registrar whose certificate we were told to
 * trust (a throwaway self-signed one made with openssl here), Kamailio relays the call to our TLS
 * listener — and a registrar certificate we were not told to trust is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/load.js';
import { envSchema } from '../../config/env-schema.js';
import { sipDnsVia } from '../calls/sip-target.js';
import { loadSipTls, loadSipTlsClient } from './start.js';
import { startFakeDns, type FakeDns } from '../../testing/fakes/dns-fake.js';
import { startKamailio, type Kamailio } from '../../testing/kamailio.js';
import { startGateway, type Harness } from './testing/gateway-harness.js';
import { runSipp, waitFor } from './testing/sipp-runner.js';

let kam: Kamailio | undefined;
let gw: Harness | undefined;
let dns: FakeDns | undefined;
afterEach(async () => {
  await gw?.gateway.stop();
  await kam?.stop();
  await dns?.close();
  gw = undefined;
  kam = undefined;
  dns = undefined;
});

/** A throwaway self-signed certificate for 127.0.0.1 and pbx.test: PEM files in a temp dir. */
function makeCert(cn: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:pbx.test'],
      ...['-keyout', key, '-out', cert],
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

const REG = { user: '7000', password: 'pw-7000', expires: 120 };

describe('registrar located by DNS (RFC 3263)', () => {
  it('sip:pbx.test with no port: SRV _sip._udp gives Kamailio’s port; the call it relays lands here', async () => {
    kam = await startKamailio({ port: 15280, user: '7000', password: 'pw-7000' });
    dns = await startFakeDns([
      {
        type: 'SRV',
        name: '_sip._udp.pbx.test',
        priority: 10,
        weight: 0,
        port: 15280,
        target: 'kam.pbx.test',
      },
      { type: 'A', name: 'kam.pbx.test', address: '127.0.0.1' },
    ]);
    gw = await startGateway({
      port: 15281,
      trustLoopback: false,
      registrarDns: sipDnsVia([dns.server]),
      registrations: [{ registrar: 'sip:pbx.test', ...REG }],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    expect(dns.queries).toContain('SRV _sip._udp.pbx.test');
    const run = await runSipp({
      scenario: 'uac-call.xml',
      target: '127.0.0.1:15280',
      transport: 'udp',
      localPort: 15282,
      mediaPort: 23280,
    });
    // Accepted only because it came from the registrar's SRV-resolved address (loopback is untrusted).
    expect(run.code, run.output + run.errors + kam.log().slice(-2000)).toBe(0);
    expect(gw.media).toHaveLength(1);
  });
});

describe('SIP over TLS to and from the PBX', () => {
  it('registers over TLS to sips:, Kamailio calls our TLS listener, the call lands', async () => {
    const pbx = makeCert('pbx.test');
    const ours = makeCert('switchboard.test');
    kam = await startKamailio({
      port: 15283,
      user: '7000',
      password: 'pw-7000',
      tls: { port: 15284, ...pbx },
    });
    gw = await startGateway({
      port: 15285,
      transports: ['udp', 'tcp', 'tls'],
      tlsPort: 15286,
      tls: { cert: readFileSync(ours.cert), key: readFileSync(ours.key) },
      tlsClient: { ca: readFileSync(pbx.cert) },
      trustLoopback: false,
      registrations: [{ registrar: 'sips:127.0.0.1:15284', ...REG }],
    });
    await waitFor(() => gw!.gateway.registrationStates()[0]?.state === 'registered', 8000);
    await waitFor(() => /PBX saved 7000 /.test(kam!.log()));
    expect(kam.log()).toMatch(
      /PBX saved 7000 expires=120 contact=<sip:7000-[0-9a-f]{32}@127\.0\.0\.1:15286;transport=tls>/,
    );
    const run = await runSipp({
      scenario: 'uac-call.xml',
      target: '127.0.0.1:15283',
      transport: 'udp',
      localPort: 15287,
      mediaPort: 23290,
    });
    expect(run.code, run.output + run.errors + kam.log().slice(-3000)).toBe(0);
    expect(kam.log()).toMatch(
      /PBX routing INVITE for 7000 to sip:7000-[0-9a-f]{32}@127\.0\.0\.1:15286;transport=tls/,
    );
    expect(gw.media).toHaveLength(1);
    expect(gw.media[0]!.started).toMatchObject({ to: '7000' });
  });

  it('a registrar certificate nobody told us to trust: no registration goes through', async () => {
    const pbx = makeCert('pbx.test');
    kam = await startKamailio({
      port: 15288,
      user: '7000',
      password: 'pw-7000',
      tls: { port: 15289, ...pbx },
    });
    gw = await startGateway({
      port: 15280,
      timeouts: { registerMs: 1000 },
      registrations: [{ registrar: 'sip:127.0.0.1:15289;transport=tls', ...REG }],
    });
    await waitFor(() => (gw!.gateway.registrationStates()[0]?.failures ?? 0) >= 1, 8000);
    expect(gw.gateway.registrationStates()[0]!.state).not.toBe('registered');
    expect(kam.log()).not.toMatch(/PBX (challenge|saved) for 7000|PBX saved 7000/);
  });
});

describe('TLS settings, checked at start-up', () => {
  it('the tls listener is off by default and, when on, names what is missing or unusable', () => {
    expect(envSchema.parse({}).SWITCHBOARD_SIP_TRANSPORTS).not.toContain('tls');
    expect(loadSipTls(envSchema.parse({}))).toBeUndefined();
    const noCert = envSchema.parse({ SWITCHBOARD_SIP_TRANSPORTS: 'udp,tls' });
    expect(() => loadSipTls(noCert)).toThrow(ConfigError);
    expect(() => loadSipTls(noCert)).toThrow(/has tls: set SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY/);
    const { cert, key } = makeCert('switchboard.test');
    const good = { SWITCHBOARD_SIP_TRANSPORTS: 'tls', SWITCHBOARD_TLS_CERT: cert, SWITCHBOARD_TLS_KEY: key };
    expect(loadSipTls(envSchema.parse(good))?.cert.equals(readFileSync(cert))).toBe(true);
    const junk = join(mkdtempSync(join(tmpdir(), 'sip-tls-')), 'junk.pem');
    writeFileSync(junk, 'not a key');
    expect(() => loadSipTls(envSchema.parse({ ...good, SWITCHBOARD_TLS_KEY: junk }))).toThrow(
      /SWITCHBOARD_TLS_CERT\/SWITCHBOARD_TLS_KEY: not a usable PEM/,
    );
    expect(() => loadSipTlsClient(envSchema.parse({ SWITCHBOARD_SIP_TLS_CA: '/nonexistent.pem' }))).toThrow(
      /SWITCHBOARD_SIP_TLS_CA: cannot read/,
    );
    expect(() => loadSipTlsClient(envSchema.parse({ SWITCHBOARD_SIP_TLS_CA: junk }))).toThrow(
      /SWITCHBOARD_SIP_TLS_CA: .* holds no usable PEM/,
    );
    expect(loadSipTlsClient(envSchema.parse({ SWITCHBOARD_SIP_TLS_CA: cert }))).toMatchObject({
      verify: true,
    });
  });
});
