/** Whether loopback SIP callers skip authentication, from SWITCHBOARD_SIP_TRUST_LOOPBACK. */
import type { Env } from './env-schema.js';

/** 127.0.0.0/8, ::1 and the name localhost: addresses nothing off this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * `true` and `false` mean what they say. `auto` trusts loopback only while the SIP listeners are bound
 * to a loopback address: then only processes on this machine can send SIP at all (the one-box
 * development setup, where `npm start` and a local sipp must just work). Bound to anything else, a
 * proxy or tunnel on this machine could relay strangers from 127.0.0.1, so trust is off.
 */
export function trustsLoopback(
  env: Pick<Env, 'SWITCHBOARD_SIP_TRUST_LOOPBACK' | 'SWITCHBOARD_SIP_HOST'> &
    Partial<Pick<Env, 'SWITCHBOARD_TELEPHONY'>>,
): boolean {
  const v = env.SWITCHBOARD_SIP_TRUST_LOOPBACK;
  if (v !== 'auto') return v === 'true';
  // With drachtio, SIP arrives on drachtio-server's contacts (public ones in production): a proxy or SBC on
  // this machine relays strangers from 127.0.0.1, so `auto` does not trust loopback there.
  if (env.SWITCHBOARD_TELEPHONY === 'drachtio') return false;
  return isLoopbackHost(env.SWITCHBOARD_SIP_HOST);
}
