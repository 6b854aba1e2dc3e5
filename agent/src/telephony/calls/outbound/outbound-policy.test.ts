import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadProfiles } from '../../../config/load.js';
import { DEFAULT_PROFILES, profilesFileSchema } from '../../../config/profile-schema.js';
import { hangupSideOf } from '../../../conversation/call-record.js';
import { outboundProfile, outboundRoutes, outcomeOf, planCall } from './outbound-policy.js';
import { OutboundError } from './outbound-types.js';

const profile = DEFAULT_PROFILES.profiles[0]!;

function yamlError(trunkYaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-outbound-'));
  const path = join(dir, 'profiles.yaml');
  writeFileSync(
    path,
    `profiles:\n  - name: p\n    systemPrompt: hi\ntrunks:\n  - name: carrier\n    outbound:\n${trunkYaml}`,
  );
  try {
    loadProfiles(path, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
}

describe('outbound config', () => {
  it.each([
    ['      allow: ["+1"]\n', 'trunks.0.outbound.uri'],
    ['      uri: sip:carrier.example\n', 'trunks.0.outbound.allow'],
    ['      uri: sip:carrier.example\n      allow: ["1-800"]\n', 'trunks.0.outbound.allow.0'],
    [
      '      uri: sip:carrier.example\n      allow: ["+1"]\n      username: u\n',
      'trunks.0.outbound.password',
    ],
    [
      '      uri: sip:carrier.example\n      allow: ["+1"]\n      maxConcurrent: 0\n',
      'trunks.0.outbound.maxConcurrent',
    ],
  ])('%j fails naming %s', (yaml, field) => {
    expect(yamlError(yaml)).toContain(field);
  });

  it('the password never appears in the error', () => {
    const msg = yamlError(
      '      uri: sip:carrier.example\n      allow: ["+1"]\n      password: hunter2-secret\n',
    );
    expect(msg).toContain('trunks.0.outbound.username');
    expect(msg).not.toContain('hunter2-secret');
  });
});

describe('outbound plan', () => {
  const file = profilesFileSchema.parse({
    profiles: [profile],
    trunks: [{ name: 'carrier', outbound: { uri: 'sip:carrier.example:5070', allow: ['+1555', '+44'] } }],
    registrations: [{ registrar: 'sip:pbx.local', user: '7001', password: 'pw', outbound: { allow: ['2'] } }],
  });
  const routes = outboundRoutes(file);
  const plan = (req: Partial<Parameters<typeof planCall>[1]>) =>
    planCall(
      { routes, profile: (n) => (n === profile.name ? profile : undefined) },
      {
        to: '+15551230000',
        profile: profile.name,
        variables: {},
        maxRingSeconds: 30,
        trunk: 'carrier',
        ...req,
      },
      'call-1',
    );
  const refusal = (req: Partial<Parameters<typeof planCall>[1]>) => {
    try {
      plan(req);
    } catch (err) {
      if (err instanceof OutboundError) return { status: err.status, field: err.field };
      throw err;
    }
    return undefined;
  };

  it('a trunk call: Request-URI to the trunk, caller id from the request', () => {
    expect(plan({ from: '+15559990000' })).toMatchObject({
      requestUri: 'sip:+15551230000@carrier.example:5070',
      fromUri: 'sip:+15559990000@carrier.example',
    });
  });

  it('a registration call goes to the registrar as the extension, with its credentials', () => {
    const p = plan({ trunk: undefined, registration: '7001', to: '2005' });
    expect(p).toMatchObject({ requestUri: 'sip:2005@pbx.local', fromUri: 'sip:7001@pbx.local' });
    expect(p.route.credentials).toEqual({ username: '7001', password: 'pw' });
  });

  it("a route's transport follows its URI (sips:, ;transport=) before the configured one, else UDP", () => {
    const f = profilesFileSchema.parse({
      profiles: [profile],
      trunks: [{ name: 'tls', outbound: { uri: 'sips:carrier.example', allow: ['+1'] } }],
      registrations: [
        {
          registrar: 'sip:pbx.local;transport=tcp',
          user: '7001',
          password: 'pw',
          outbound: { allow: ['2'] },
        },
        {
          registrar: 'sip:pbx.local',
          user: '7002',
          password: 'pw',
          transport: 'tls',
          outbound: { allow: ['2'] },
        },
        { registrar: 'sip:pbx.local', user: '7003', password: 'pw', outbound: { allow: ['2'] } },
      ],
    });
    expect(outboundRoutes(f).map((r) => r.transport)).toEqual(['tls', 'tcp', 'tls', 'udp']);
  });

  it('refusals name the field: number, allowlist, route, profile', () => {
    expect(refusal({ to: '+1 555 123' })).toEqual({ status: 400, field: 'to' });
    expect(refusal({ to: '+33123456789' })).toEqual({ status: 403, field: 'to' });
    expect(refusal({ registration: '7001', trunk: undefined, to: '+15551230000' })).toEqual({
      status: 403,
      field: 'to',
    });
    expect(refusal({ trunk: 'other' })).toEqual({ status: 400, field: 'trunk' });
    expect(refusal({ trunk: undefined })).toEqual({ status: 400, field: 'trunk' }); // two routes: name one
    expect(refusal({ profile: 'ghost' })).toEqual({ status: 400, field: 'profile' });
  });

  it('outcomes: 486/600 busy, ring timeout no_answer, API cancel cancelled, others failed', () => {
    expect(outcomeOf(486, undefined)).toBe('busy');
    expect(outcomeOf(600, undefined)).toBe('busy');
    expect(outcomeOf(487, 'ring_timeout')).toBe('no_answer');
    expect(outcomeOf(480, undefined)).toBe('no_answer');
    expect(outcomeOf(487, 'api_cancel')).toBe('cancelled');
    expect(outcomeOf(403, undefined)).toBe('failed');
    expect(outcomeOf(503, undefined)).toBe('failed');
  });

  it('who hung up, by end reason and direction', () => {
    expect(hangupSideOf('caller_hangup', 'outbound')).toBe('callee');
    expect(hangupSideOf('caller_hangup', 'inbound')).toBe('caller');
    expect(hangupSideOf('agent_hangup', 'outbound')).toBe('agent');
    expect(hangupSideOf('cancelled', 'outbound')).toBe('api');
    expect(hangupSideOf('media_timeout', 'inbound')).toBe('system');
  });

  it('an outbound conversation: variables fill the prompt, no greeting; inbound unchanged', () => {
    const p = {
      ...profile,
      systemPrompt: 'Remind {{name}} of {{ thing }}; {{unknown}} stays.',
      greeting: 'Hi {{name}}',
    };
    const out = outboundProfile(p, {
      direction: 'outbound',
      variables: { name: 'Ada', thing: 'the 3pm call' },
    });
    expect(out.systemPrompt).toBe('Remind Ada of the 3pm call; {{unknown}} stays.');
    expect(out.greeting).toBe('');
    expect(outboundProfile(p, {})).toBe(p);
  });
});
