/**
 * First run: the page served by a Switchboard agent (at /phone) reads the agent's own SIP WebSocket
 * URL and domain from ./config.json (agent/src/http/softphone-config-route.ts). Elsewhere (Electron,
 * a dev server) there is no such file and the user types the server settings.
 */
import type { AccountDefaults } from './account-fields.js';

export interface FirstRunConfig extends AccountDefaults {
  apiTokenRequired: boolean;
}

export async function loadFirstRunConfig(loc: Location, fetchFn: typeof fetch): Promise<FirstRunConfig> {
  const fallback: FirstRunConfig = { apiTokenRequired: false };
  if (!loc.protocol.startsWith('http')) return fallback;
  fallback.agentApiUrl = loc.origin;
  try {
    const res = await fetchFn(new URL('config.json', loc.href).href, { cache: 'no-store' });
    if (!res.ok) return fallback;
    const body = (await res.json()) as Record<string, unknown>;
    return {
      ...fallback,
      ...(typeof body.sipWsUrl === 'string' ? { wsUrl: body.sipWsUrl } : {}),
      ...(typeof body.sipDomain === 'string' ? { domain: body.sipDomain } : {}),
      apiTokenRequired: body.apiTokenRequired === true,
    };
  } catch {
    return fallback;
  }
}
