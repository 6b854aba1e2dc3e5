/** A validated Config for drachtio tests, built through the real schemas. */
import type { Config } from '../../../config/load.js';
import { envSchema } from '../../../config/env-schema.js';
import { profilesFileSchema } from '../../../config/profile-schema.js';
import { trustsLoopback } from '../../../config/sip-trust.js';
import { Router } from '../../../routing/router.js';

/** The router the agent would build for this config (main.ts builds one and hands it to telephony). */
export function routerFor(config: Config): Router {
  return new Router(config.profiles, { trustLoopback: trustsLoopback(config.env) });
}

export function testConfig(env: Record<string, string> = {}, profiles: Record<string, unknown> = {}): Config {
  return {
    env: envSchema.parse({
      SWITCHBOARD_TELEPHONY: 'drachtio',
      DRACHTIO_SECRET: 'drachtio-secret',
      FREESWITCH: 'fs1:8021:fs-secret-1,fs2:8021:fs-secret-2',
      SWITCHBOARD_FORK_URL: 'ws://127.0.0.1:8080/fork',
      ...env,
    }),
    profiles: profilesFileSchema.parse({
      defaultProfile: 'receptionist',
      profiles: [
        {
          name: 'receptionist',
          systemPrompt: 'be nice',
          routes: ['7000', '+15551230000'],
          tools: ['end_call', 'transfer_call', 'send_dtmf'],
          transferTargets: [{ name: 'sales', uri: 'sip:sales@pbx.example.com' }],
        },
      ],
      trunks: [{ name: 'carrier', sources: ['203.0.113.0/24'] }],
      users: [
        { username: 'alice', password: 'alice-pass' },
        { username: 'bob', password: 'bob-pass' },
      ],
      registrations: [{ registrar: 'sip:192.0.2.10:5060', user: '7001', password: 'ext-pass', expires: 300 }],
      ...profiles,
    }),
    fork: { username: 'switchboard', password: 'fork-password-123', token: 'fork-token-0123456789' },
  };
}
