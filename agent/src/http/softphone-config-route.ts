/**
 * GET /phone/config.json — what the web softphone the agent serves needs on first run: the embedded
 * gateway's SIP WebSocket URL and the SIP domain to put in `sip:user@domain`, and whether the calls
 * API wants a token. Public (first run has no token yet), so it carries nothing secret: no user
 * names, no passwords, no token, no internal fork credentials.
 */
import type { FastifyInstance } from 'fastify';

/** Where the embedded gateway listens for SIP over WebSocket (undefined when it does not). */
export interface SoftphoneSipInfo {
  /** Bind address of the SIP listeners (may be a wildcard). */
  host: string;
  /** SWITCHBOARD_SIP_EXTERNAL_HOST: the name or address clients should use. */
  externalHost?: string;
  wsPort?: number;
  wssPort?: number;
}

export interface SoftphoneConfig {
  /** e.g. ws://127.0.0.1:8088; absent when the agent has no SIP WebSocket listener (drachtio, none). */
  sipWsUrl?: string;
  /** Host part of the address of record, e.g. 127.0.0.1 → sip:alice@127.0.0.1. */
  sipDomain?: string;
  /** The calls API and live events need `SWITCHBOARD_API_TOKEN`. */
  apiTokenRequired: boolean;
}

export const SOFTPHONE_CONFIG_PATH = '/phone/config.json';

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/** "[::1]:8080" → "[::1]", "example.com:8080" → "example.com". */
function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname || undefined;
  } catch {
    return undefined;
  }
}

const bracket = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * The softphone settings for a page loaded from `requestHost` (its Host header) over https or not. A
 * wildcard bind address is replaced by the name the browser used to reach us; wss is offered to https
 * pages (browsers block ws:// there), ws otherwise, whichever exists when only one does.
 */
export function softphoneConfig(
  sip: SoftphoneSipInfo | undefined,
  request: { host: string | undefined; secure: boolean },
  apiTokenRequired: boolean,
): SoftphoneConfig {
  const config: SoftphoneConfig = { apiTokenRequired };
  if (!sip || (sip.wsPort === undefined && sip.wssPort === undefined)) return config;
  const host = bracket(
    sip.externalHost ?? (WILDCARD.has(sip.host) ? (hostnameOf(request.host) ?? '127.0.0.1') : sip.host),
  );
  const useWss = sip.wssPort !== undefined && (request.secure || sip.wsPort === undefined);
  config.sipWsUrl = useWss ? `wss://${host}:${sip.wssPort}` : `ws://${host}:${sip.wsPort}`;
  config.sipDomain = host;
  return config;
}

export function registerSoftphoneConfigRoute(
  app: FastifyInstance,
  sip: () => SoftphoneSipInfo | undefined,
  apiTokenRequired: boolean,
): void {
  app.get(SOFTPHONE_CONFIG_PATH, async (req, reply) => {
    const secure = req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';
    return reply
      .header('cache-control', 'no-store')
      .send(softphoneConfig(sip(), { host: req.headers.host, secure }, apiTokenRequired));
  });
}
