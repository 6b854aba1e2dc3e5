/** Test helper for this folder's tests (not production code): a server over a real in-memory store. */
import { createLogger } from '../log.js';
import { CallStore } from '../store/call-store.js';
import { CallMetrics } from '../http/call-metrics.js';
import { createHttpServer, type HttpServerDeps } from '../http/http-server.js';
import { LiveEvents } from '../http/live-events.js';
import { combineObservers, type TurnRecord } from '../conversation/call-record.js';

export function makeServer(overrides: Partial<HttpServerDeps> = {}) {
  const store = CallStore.open(':memory:');
  const metrics = new CallMetrics({ defaultMetrics: false });
  const live = new LiveEvents();
  const observer = combineObservers([store, metrics, live], (err) => {
    throw err;
  });
  const server = createHttpServer({
    store,
    metrics: metrics.registry,
    live,
    readiness: () => ({ ready: true, checks: { db: store.checkWritable() } }),
    log: createLogger('silent'),
    ...overrides,
  });
  return { store, metrics, live, observer, server, app: server.app };
}

export function sampleTurn(callId: string, index: number): TurnRecord {
  return {
    callId,
    index,
    userText: `what time is it ${index}`,
    agentText: `it is noon ${index}`,
    interrupted: index % 2 === 1,
    toolCalls: [],
    timings: {
      endOfUtteranceDelayMs: 110,
      sttDelayMs: 70,
      llmTtftMs: 250,
      ttsTtfbMs: 80,
      voiceToVoiceMs: 560,
    },
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, index)),
    endedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, index, 900)),
  };
}

export function startCall(
  observer: ReturnType<typeof makeServer>['observer'],
  callId: string,
  profile = 'default',
  at = 0,
) {
  observer.callStarted({
    callId,
    from: '+15550100',
    to: '1000',
    profile,
    source: 'embedded',
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + at),
  });
}
