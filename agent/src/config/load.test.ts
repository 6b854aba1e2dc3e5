import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactedEnv } from './load.js';

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
});
