import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultWsOrigins } from '../telephony/embedded/start.js';
import { ConfigError, loadConfig, redactedEnv } from './load.js';
import { trustsLoopback } from './sip-trust.js';

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected ConfigError');
}

describe('config', () => {
  it('works out of the box: HTTP on 127.0.0.1:8080, SIP on 5060, extension 7000 → default profile', () => {
    const cfg = loadConfig({});
    expect(cfg.env.SWITCHBOARD_HTTP_HOST).toBe('127.0.0.1');
    expect(cfg.env.SWITCHBOARD_HTTP_PORT).toBe(8080);
    expect(cfg.env.SWITCHBOARD_SIP_PORT).toBe(5060);
    expect(cfg.env.SWITCHBOARD_SIP_TRANSPORTS).toEqual(['udp', 'tcp']);
    expect(cfg.profiles.profiles[0]!.routes).toContain('7000');
    expect(cfg.fork.password.length).toBeGreaterThanOrEqual(16);
  });

  it.each([
    [{ SWITCHBOARD_HTTP_PORT: 'eighty' }, 'SWITCHBOARD_HTTP_PORT'],
    [{ SWITCHBOARD_SIP_TRANSPORTS: 'udp,carrier-pigeon' }, 'SWITCHBOARD_SIP_TRANSPORTS'],
    [{ SWITCHBOARD_RTP_PORTS: '30000-20000' }, 'SWITCHBOARD_RTP_PORTS'],
    [{ OPENAI_BASE_URL: 'not a url' }, 'OPENAI_BASE_URL'],
    [{ SWITCHBOARD_TELEPHONY: 'drachtio' }, 'DRACHTIO_SECRET'],
    [{ DEEPGRAM_API_KEY_FILE: '/nonexistent/key' }, 'DEEPGRAM_API_KEY_FILE'],
  ])('names the bad field: %j', (env, field) => {
    expect(configError(env)).toContain(field);
  });

  it('reads API keys from secret files and never shows them in the redacted view', () => {
    const keyFile = tempFile('dg', 'dg-secret-key\n');
    const cfg = loadConfig({ DEEPGRAM_API_KEY_FILE: keyFile, OPENAI_API_KEY: 'sk-test' });
    expect(cfg.env.DEEPGRAM_API_KEY).toBe('dg-secret-key');
    const shown = JSON.stringify(redactedEnv(cfg.env));
    expect(shown).not.toContain('dg-secret-key');
    expect(shown).not.toContain('sk-test');
  });

  it('loads a profiles file with ${VAR} secrets', () => {
    const path = tempFile(
      'profiles.yaml',
      `
defaultProfile: sales
profiles:
  - name: sales
    systemPrompt: You sell things.
    greeting: Sales, hello!
    routes: ["+15551230000", "7001"]
    tools: [end_call, transfer_call]
    transferTargets: [{ name: human, uri: "sip:100@pbx.example.com" }]
registrations:
  - registrar: sip:pbx.example.com
    user: "7001"
    password: \${PBX_PASSWORD}
    profile: sales
trunks:
  - name: carrier
    sources: [203.0.113.0/24]
`,
    );
    const cfg = loadConfig({ SWITCHBOARD_PROFILES: path, PBX_PASSWORD: 'pbx-pass' });
    expect(cfg.profiles.profiles[0]!.stt.endpointingMs).toBe(300);
    expect(cfg.profiles.registrations[0]!.password).toBe('pbx-pass');
    expect(cfg.profiles.registrations[0]!.expires).toBe(300);
  });

  it.each([
    ['profiles: []', 'profiles'],
    ['profiles: [{ name: a }]', 'profiles.0.systemPrompt'],
    [
      'profiles: [{ name: a, systemPrompt: x, routes: ["7000"] }, { name: b, systemPrompt: y, routes: ["7000"] }]',
      'profiles.1.routes',
    ],
    [
      'profiles: [{ name: a, systemPrompt: x, transferTargets: [{ name: t, uri: "http://x" }] }]',
      'profiles.0.transferTargets.0.uri',
    ],
    ['defaultProfile: nobody\nprofiles: [{ name: a, systemPrompt: x }]', 'defaultProfile'],
    [
      'profiles: [{ name: a, systemPrompt: x }]\ntrunks: [{ name: t, sources: ["300.1.1.1/8"] }]',
      'trunks.0.sources',
    ],
    ['profiles: [{ name: a, systemPrompt: "${MISSING_VAR}" }]', 'MISSING_VAR'],
    ['profiles: [ {', 'not valid YAML'],
  ])('rejects a bad profiles file (%s) naming %s', (yaml, field) => {
    const path = tempFile('p.yaml', yaml);
    expect(configError({ SWITCHBOARD_PROFILES: path })).toContain(field);
  });

  it('refuses a short softphone or trunk password at start-up, naming the user or trunk', () => {
    const users = tempFile(
      'u.yaml',
      'profiles: [{ name: a, systemPrompt: x }]\nusers: [{ username: alice, password: long-enough-pw }, { username: bob, password: abcd }]',
    );
    const msg = configError({ SWITCHBOARD_PROFILES: users });
    expect(msg).toContain('users.1.password');
    expect(msg).toContain('"bob"');
    expect(msg).toContain('at least 12 characters');
    expect(msg).not.toContain('abcd');
    const trunk = tempFile(
      't.yaml',
      'profiles: [{ name: a, systemPrompt: x }]\ntrunks: [{ name: carrier, username: c1, password: short-pw }]',
    );
    expect(configError({ SWITCHBOARD_PROFILES: trunk })).toContain(
      'trunks.0.password: the password of trunk "carrier"',
    );
  });

  it('security settings have safe defaults and are validated', () => {
    const { env } = loadConfig({});
    expect(env).toMatchObject({
      SWITCHBOARD_SIP_TRUST_LOOPBACK: 'auto',
      SWITCHBOARD_SIP_RATE_LIMIT: 50,
      SWITCHBOARD_SIP_MAX_CALLS: 500,
      SWITCHBOARD_SIP_MAX_CALLS_PER_SOURCE: 50,
      SWITCHBOARD_SIP_MAX_CONNECTIONS: 1000,
      SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE: 20,
      SWITCHBOARD_RTP_PORTS_PER_SOURCE: 50,
      SWITCHBOARD_RTP_TIMEOUT_S: 60,
    });
    expect(env.SWITCHBOARD_SIP_WS_ORIGINS).toBeUndefined();
    expect(configError({ SWITCHBOARD_SIP_TRUST_LOOPBACK: 'yes please' })).toContain(
      'SWITCHBOARD_SIP_TRUST_LOOPBACK',
    );
    expect(configError({ SWITCHBOARD_SIP_MAX_CALLS: '0' })).toContain('SWITCHBOARD_SIP_MAX_CALLS');
    expect(
      loadConfig({ SWITCHBOARD_SIP_WS_ORIGINS: 'https://a.example, app://phone' }).env
        .SWITCHBOARD_SIP_WS_ORIGINS,
    ).toEqual(['https://a.example', 'app://phone']);
  });

  it('loopback trust: auto only while SIP listens on loopback alone; explicit values win', () => {
    const t = (host: string, v: 'auto' | 'true' | 'false') =>
      trustsLoopback({ SWITCHBOARD_SIP_HOST: host, SWITCHBOARD_SIP_TRUST_LOOPBACK: v });
    expect(t('127.0.0.1', 'auto')).toBe(true);
    expect(t('::1', 'auto')).toBe(true);
    expect(t('0.0.0.0', 'auto')).toBe(false);
    expect(t('192.0.2.4', 'auto')).toBe(false);
    expect(t('127.0.0.1', 'false')).toBe(false);
    expect(t('0.0.0.0', 'true')).toBe(true);
  });

  it("SIP over WebSocket accepts by default the agent's own origin and the Electron app", () => {
    expect(defaultWsOrigins('http://127.0.0.1:8080')).toEqual([
      'app://phone',
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://[::1]:8080',
    ]);
    expect(defaultWsOrigins('http://10.0.0.5:8080')).toEqual(['app://phone', 'http://10.0.0.5:8080']);
  });
});
