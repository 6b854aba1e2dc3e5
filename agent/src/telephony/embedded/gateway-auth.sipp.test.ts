/**
 * Trunk admission with real sipp peers (loopback SIP ports 15084–15095): CIDR allowlist (403 from a
 * source outside it, using 127.0.0.2 as the stranger) and a digest-challenged trunk (401, then accepted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testProfiles, type Harness } from './testing/gateway-harness.js';
import { runSipp } from './testing/sipp-runner.js';

const ACL_PORT = 15084;
const DIGEST_PORT = 15086;
let acl: Harness;
let digest: Harness;

beforeAll(async () => {
  acl = await startGateway({
    port: ACL_PORT,
    trustLoopback: false,
    profiles: testProfiles({ trunks: [{ name: 'carrier', sources: ['127.0.0.1/32'] }] }),
  });
  digest = await startGateway({
    port: DIGEST_PORT,
    trustLoopback: false,
    profiles: testProfiles({
      trunks: [{ name: 'auth-trunk', sources: [], username: 'trunk1', password: 's3cret-pw' }],
    }),
    digestAlgorithms: ['MD5'],
  });
});
afterAll(async () => {
  await acl.gateway.stop();
  await digest.gateway.stop();
});

describe.each(['udp', 'tcp'] as const)('trunk admission over %s', (transport) => {
  it('a source outside the trunk CIDRs gets 403 (from 127.0.0.2)', async () => {
    const before = acl.media.length;
    const run = await runSipp({
      scenario: 'uac-reject-403.xml',
      target: `127.0.0.1:${ACL_PORT}`,
      transport,
      localPort: 15085,
      localIp: '127.0.0.2',
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(acl.media.length).toBe(before);
  });

  it('a source inside the trunk CIDRs is answered', async () => {
    const run = await runSipp({
      scenario: 'uac-call.xml',
      target: `127.0.0.1:${ACL_PORT}`,
      transport,
      localPort: 15085,
      service: '+15551230000',
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(acl.media.at(-1)?.started?.to).toBe('+15551230000');
  });

  it('a digest trunk: 401 with a challenge, then the authenticated INVITE is answered', async () => {
    const before = digest.media.length;
    const run = await runSipp({
      scenario: 'uac-digest.xml',
      target: `127.0.0.1:${DIGEST_PORT}`,
      transport,
      localPort: 15087,
      localIp: '127.0.0.3',
      extra: ['-au', 'trunk1', '-ap', 's3cret-pw'],
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(
      /^WWW-Authenticate: Digest realm="switchboard", nonce="[^"]+", algorithm=MD5, qop="auth"/m,
    );
    expect(digest.media.length).toBe(before + 1);
  });

  it('wrong digest credentials are refused with 403, no call', async () => {
    const before = digest.media.length;
    const run = await runSipp({
      scenario: 'uac-digest.xml',
      target: `127.0.0.1:${DIGEST_PORT}`,
      transport,
      localPort: 15087,
      localIp: '127.0.0.3',
      extra: ['-au', 'trunk1', '-ap', 'wrong'],
      timeoutMs: 5000,
    });
    expect(run.code).not.toBe(0);
    expect(run.messages).toMatch(/^SIP\/2.0 403 Forbidden/m);
    expect(digest.media.length).toBe(before);
  });
});
