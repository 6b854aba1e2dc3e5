/**
 * Start-up wiring: store, metrics, live events, providers, routing, the fork server, the HTTP
 * server, and the telephony back-end that opens forks to it. No side effects at import time.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from './time/clock.js';
import type { Config } from './config/load.js';
import type { AgentProfile } from './config/profile-schema.js';
import { AnswerGate } from './answer-detection/answer-gate.js';
import { trustsLoopback } from './config/sip-trust.js';
import { combineObservers, type CallObserver } from './conversation/call-record.js';
import { Conversation } from './conversation/conversation.js';
import type { ConversationOptionsInput } from './conversation/conversation-options.js';
import { loadTurnModels } from './conversation/turn/turn-models.js';
import { vadFactory } from './conversation/vad/create-vad.js';
import { ForkServer, FORK_PATH } from './fork/fork-server.js';
import type { CallFactory } from './fork/fork-session.js';
import { CallMetrics } from './http/call-metrics.js';
import { createHttpServer } from './http/http-server.js';
import { LiveEvents } from './http/live-events.js';
import { readinessFrom } from './http/readiness.js';
import { createLogger, type Logger } from './log.js';
import { createProviders } from './providers/create.js';
import type { Providers } from './providers/types.js';
import { Router } from './routing/router.js';
import { CallStore } from './store/call-store.js';
import type { CallTimeouts } from './telephony/calls/call-timeouts.js';
import { OutboundCalls } from './telephony/calls/outbound/outbound-calls.js';
import { outboundProfile, outboundRoutes } from './telephony/calls/outbound/outbound-policy.js';
import { startTelephony, type Telephony } from './telephony/start-telephony.js';

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  /** Replace the vendor providers (benchmarks and tests drive fakes through the real adapters instead). */
  providers?: Providers;
  conversation?: ConversationOptionsInput;
  /** Tests: a scripted agent instead of the conversation engine, behind the same fork server. */
  createCall?: CallFactory;
  /** Tests: shorter call-control timeouts (telephony/calls/call-timeouts.ts). */
  callTimeouts?: Partial<CallTimeouts>;
}

export interface RunningAgent {
  httpUrl: string;
  forkUrl: string;
  sip: { host: string; port: number } | undefined;
  /** Calls with an open fork right now. */
  activeCalls(): number;
  stop(): Promise<void>;
}

/** The web softphone's build, served at /phone when it has been built. */
function softphoneDist(): string | undefined {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../softphone/dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

export async function startAgent(config: Config, options: StartOptions = {}): Promise<RunningAgent> {
  const { env } = config;
  const log = options.log ?? createLogger(env.LOG_LEVEL);
  const clock = options.clock ?? systemClock;
  // Local end-of-turn models load (and are checked) before anything listens: a bad file stops start-up.
  const turnModels = await loadTurnModels(config.profiles.profiles, env.SWITCHBOARD_TURN_MODEL, log);
  const store = CallStore.open(env.SWITCHBOARD_DB);
  const metrics = new CallMetrics();
  const live = new LiveEvents();
  const observer: CallObserver = combineObservers([store, metrics, live], (err) =>
    log.error({ err }, 'call observer failed'),
  );
  const providers = options.providers ?? createProviders(env, { log, clock });
  const router = new Router(config.profiles, { trustLoopback: trustsLoopback(env) });
  const makeVad = vadFactory(env.SWITCHBOARD_VAD, (err) => log.error({ err }, 'VAD failed'));

  const fork = new ForkServer({
    credentials: config.fork,
    log: log.child({ component: 'fork' }),
    keepalive: {
      pingMs: env.SWITCHBOARD_FORK_PING_INTERVAL_S * 1000,
      timeoutMs: env.SWITCHBOARD_FORK_PING_TIMEOUT_S * 1000,
      clock,
    },
    createCall:
      options.createCall ??
      ((channel, callLog) => {
        const meta = channel.metadata;
        const routed = router.profileForCall({ named: meta.profile, dialled: meta.to, fallback: true })!;
        // An outbound call: the request's variables fill the prompt, and the callee speaks first.
        const profile = outboundProfile(routed, meta.extra);
        const converse = (p: AgentProfile) =>
          Conversation.start({
            channel,
            profile: p,
            providers,
            observer,
            clock,
            logger: callLog,
            vadFactory: makeVad,
            turnModel: turnModels.get(p.name),
            ...(options.conversation ? { options: options.conversation } : {}),
          });
        if (meta.extra.direction !== 'outbound') return converse(profile);
        // Outbound: who answered decides whether (and how) the conversation starts.
        return AnswerGate.start({
          channel,
          profile,
          providers,
          clock,
          log: callLog,
          startConversation: converse,
          onDecision: (d) => store.answerDecided(meta.callId, d),
        });
      }),
  });

  let telephony: Telephony | undefined;
  /** Set once telephony is up (the HTTP server starts first). */
  const outbound: { calls?: OutboundCalls } = {};
  const http = createHttpServer({
    store,
    metrics: metrics.registry,
    live,
    log: log.child({ component: 'http' }),
    ...(env.SWITCHBOARD_API_TOKEN ? { apiToken: env.SWITCHBOARD_API_TOKEN } : {}),
    apiOrigins: env.SWITCHBOARD_API_ORIGINS,
    ...(softphoneDist() ? { staticDirs: { '/phone': softphoneDist()! } } : {}),
    softphoneSip: () =>
      telephony?.sip && {
        ...telephony.sip,
        ...(env.SWITCHBOARD_SIP_EXTERNAL_HOST ? { externalHost: env.SWITCHBOARD_SIP_EXTERNAL_HOST } : {}),
      },
    onUpgrade: (req, socket, head) => fork.handleUpgrade(req, socket, head),
    outbound: () => outbound.calls,
    readiness: readinessFrom({
      db: () => store.checkWritable(),
      providers: () => {
        const missing = (['DEEPGRAM_API_KEY', 'OPENAI_API_KEY', 'CARTESIA_API_KEY'] as const).filter(
          (k) => !env[k],
        );
        return {
          ok: missing.length === 0,
          detail: missing.length ? `missing ${missing.join(', ')}` : 'keys set',
        };
      },
      telephony: () =>
        telephony?.readiness() ?? { ok: env.SWITCHBOARD_TELEPHONY === 'none', detail: 'not started' },
    }),
  });
  const bound = await http.listen(env.SWITCHBOARD_HTTP_HOST, env.SWITCHBOARD_HTTP_PORT);
  const hostForUrl = bound.host.includes(':') ? `[${bound.host}]` : bound.host;
  const forkUrl = `ws://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${bound.port}${FORK_PATH}`;

  try {
    telephony = await startTelephony({
      config,
      router,
      // A media server (FreeSWITCH, or a gateway apart from this agent) may reach us by another URL.
      forkUrl: env.SWITCHBOARD_FORK_URL ?? forkUrl,
      localFork: fork,
      httpUrl: bound.url,
      metrics: metrics.registry,
      clock,
      log,
      ...(options.callTimeouts ? { timeouts: options.callTimeouts } : {}),
    });
  } catch (err) {
    await http.close();
    store.close();
    throw err;
  }

  outbound.calls = new OutboundCalls({
    routes: outboundRoutes(config.profiles),
    profile: (name) => router.profile(name),
    ...(telephony?.dialer ? { dialer: telephony.dialer } : {}),
    records: store,
    clock,
    log,
    source: env.SWITCHBOARD_TELEPHONY,
  });

  let stopping: Promise<void> | undefined;
  return {
    httpUrl: bound.url,
    forkUrl,
    sip: telephony?.sip,
    activeCalls: () => fork.activeCalls,
    stop: () =>
      (stopping ??= (async () => {
        // Calls first (their telephony, then their forks), waiting until each has recorded its end:
        // only then may the store close.
        outbound.calls?.stop();
        await telephony?.stop();
        await fork.close();
        await http.close();
        store.close();
      })()),
  };
}
