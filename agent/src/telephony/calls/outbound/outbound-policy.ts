/**
 * The decisions of an outbound call that do not depend on time: which route (trunk or PBX
 * registration) a request may use, whether the number is well formed and inside the route's
 * allowlist of prefixes, the plan the back-end dials, how a final SIP status maps to an outcome, and
 * who hung up. Pure functions over the profiles file.
 */
import type { AgentProfile, ProfilesFile } from '../../../config/profile-schema.js';
import {
  OutboundError,
  type DialPlan,
  type OutboundOutcome,
  type OutboundRequest,
  type OutboundRoute,
} from './outbound-types.js';

/** E.164 (+ and 6–15 digits) or a plain dial string of 2–15 digits (an extension, a national number). */
export const DIALLABLE = /^(\+[1-9][0-9]{5,14}|[0-9]{2,15})$/;

function hostPortOf(uri: string): string {
  return uri.replace(/^sips?:/i, '').split(/[;?]/, 1)[0]!;
}

/** Every outbound route the profiles file declares: trunks with `outbound`, registrations with `outbound`. */
export function outboundRoutes(file: ProfilesFile): OutboundRoute[] {
  const routes: OutboundRoute[] = [];
  for (const t of file.trunks) {
    const o = t.outbound;
    if (!o) continue;
    routes.push({
      kind: 'trunk',
      name: t.name,
      hostPort: hostPortOf(o.uri),
      transport: transportOf(o.uri, o.transport),
      ...(o.username && o.password ? { credentials: { username: o.username, password: o.password } } : {}),
      ...(o.from ? { defaultFrom: o.from } : {}),
      allow: o.allow,
      maxConcurrent: o.maxConcurrent,
      callsPerSecond: o.callsPerSecond,
    });
  }
  for (const r of file.registrations) {
    const o = r.outbound;
    if (!o) continue;
    routes.push({
      kind: 'registration',
      name: r.user,
      hostPort: hostPortOf(r.registrar),
      // The registration's own transport (TLS when the URI says so); a DNS-located registrar is
      // not looked up again for calls: they go to the URI's host on 5060 over UDP unless it says otherwise.
      transport: transportOf(r.registrar, r.transport),
      credentials: { username: r.username ?? r.user, password: r.password },
      defaultFrom: r.user,
      allow: o.allow,
      maxConcurrent: o.maxConcurrent,
      callsPerSecond: o.callsPerSecond,
    });
  }
  return routes;
}

/** The route a request names (or the only one there is); an OutboundError naming the field otherwise. */
export function pickRoute(
  routes: readonly OutboundRoute[],
  req: Pick<OutboundRequest, 'trunk' | 'registration'>,
): OutboundRoute {
  if (req.trunk !== undefined && req.registration !== undefined)
    throw new OutboundError('bad_request', 'trunk', 'give a trunk or a registration, not both');
  if (req.trunk !== undefined) {
    const r = routes.find((x) => x.kind === 'trunk' && x.name === req.trunk);
    if (!r) throw new OutboundError('unknown_route', 'trunk', 'no trunk of that name places outbound calls');
    return r;
  }
  if (req.registration !== undefined) {
    const r = routes.find((x) => x.kind === 'registration' && x.name === req.registration);
    if (!r)
      throw new OutboundError(
        'unknown_route',
        'registration',
        'no registration of that extension places outbound calls',
      );
    return r;
  }
  if (routes.length === 1) return routes[0]!;
  throw new OutboundError(
    'unknown_route',
    'trunk',
    routes.length === 0
      ? 'no trunk or registration is configured for outbound calls'
      : 'name the trunk or registration to use',
  );
}

/** The number is inside the route's allowlist (the longest match is not needed: any prefix admits). */
export function allowedBy(route: OutboundRoute, to: string): boolean {
  return route.allow.some((prefix) => to.startsWith(prefix));
}

/** Check a request against the config and make the back-end's plan. Throws OutboundError. */
export function planCall(
  o: { routes: readonly OutboundRoute[]; profile: (name: string) => AgentProfile | undefined },
  req: OutboundRequest,
  callId: string,
): DialPlan {
  if (!DIALLABLE.test(req.to))
    throw new OutboundError('bad_request', 'to', 'must be an E.164 number (+15551230000) or 2-15 digits');
  if (req.from !== undefined && !DIALLABLE.test(req.from))
    throw new OutboundError('bad_request', 'from', 'must be an E.164 number or 2-15 digits');
  const profile = o.profile(req.profile);
  if (!profile) throw new OutboundError('unknown_profile', 'profile', 'no profile of that name');
  const route = pickRoute(o.routes, req);
  if (!allowedBy(route, req.to))
    throw new OutboundError(
      'not_allowed',
      'to',
      `the number is outside the allowed prefixes of ${route.kind} "${route.name}"`,
    );
  const from = req.from ?? route.defaultFrom ?? 'switchboard';
  const host = route.hostPort.replace(/:\d+$/, '');
  return {
    callId,
    route,
    requestUri: `sip:${req.to}@${route.hostPort}`,
    fromUri: `sip:${from}@${host}`,
    to: req.to,
    from,
    profile,
    variables: req.variables,
  };
}

/**
 * A final response before the answer, as an outcome: 486 Busy Here and 600 Busy Everywhere are busy;
 * no answer in time (our ring timeout's CANCEL → 487, the far end's 408 or 480) is no_answer; a CANCEL
 * the API asked for is cancelled; anything else failed.
 */
export function outcomeOf(status: number, cause: 'ring_timeout' | 'api_cancel' | undefined): OutboundOutcome {
  if (status >= 200 && status < 300) return 'answered';
  if (cause === 'api_cancel') return 'cancelled';
  if (cause === 'ring_timeout') return 'no_answer';
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480 || status === 487) return 'no_answer';
  return 'failed';
}

/** `{{name}}` in the system prompt and greeting replaced by the call's variables (unknown names stay). */
export function withVariables(profile: AgentProfile, variables: Record<string, string>): AgentProfile {
  const fill = (text: string): string =>
    text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (m, name: string) => variables[name] ?? m);
  return { ...profile, systemPrompt: fill(profile.systemPrompt), greeting: fill(profile.greeting) };
}

/**
 * The profile an outbound call's conversation runs with: the variables the API request gave
 * (metadata `extra.variables`) fill the prompt, and there is no greeting — the callee answers with
 * "hello?" and the agent speaks after it. Inbound calls get the profile as it is.
 */
export function outboundProfile(profile: AgentProfile, extra: Record<string, unknown>): AgentProfile {
  if (extra.direction !== 'outbound') return profile;
  const raw = extra.variables;
  const variables: Record<string, string> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') variables[k] = v;
  }
  return { ...withVariables(profile, variables), greeting: '' };
}

function transportOf(uri: string, configured: 'udp' | 'tcp' | 'tls' | undefined): 'udp' | 'tcp' | 'tls' {
  if (/^sips:/i.test(uri) || /;transport=tls\b/i.test(uri)) return 'tls';
  const named = /;transport=(udp|tcp)\b/i.exec(uri)?.[1]?.toLowerCase();
  return (named as 'udp' | 'tcp' | undefined) ?? configured ?? 'udp';
}
