/**
 * GET /api/calls/:callId/events — Server-Sent Events for one call. While the call is in progress:
 * `{type:'call'}` (who/what), then every live event as it happens (`id:` = its sequence number, so
 * Last-Event-ID resumes without repeats), a `: ping` comment every 15 s, and when the call ends its
 * stored record (`{type:'record'}`) and `{type:'end'}`. For a call that is not in progress: the record
 * and `end` at once. Unknown call: 404. Clients should close their EventSource on `end`.
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../time/clock.js';
import type { CallStartInfo, LiveEvent } from '../conversation/call-record.js';
import type { CallDetail, CallQueries } from '../store/store-types.js';
import type { LiveEvents, LiveSubscription } from './live-events.js';
import { SseStream } from './sse-stream.js';

/** What a client receives, one JSON object per SSE message. */
export type CallEventMessage =
  | { type: 'call'; call: CallStartInfo }
  | (LiveEvent & { seq: number; at: number })
  | { type: 'record'; call: CallDetail }
  | { type: 'end'; reason: 'call_ended' | 'not_live' | 'server_closing' };

export interface CallEventsOptions {
  store: CallQueries;
  live: LiveEvents;
  clock: Clock;
  heartbeatMs: number;
  /** Open streams, so shutdown can end them. */
  streams: Set<SseStream>;
}

export function registerCallEventsRoute(app: FastifyInstance, o: CallEventsOptions): void {
  app.get<{ Params: { callId: string } }>('/api/calls/:callId/events', async (req, reply) => {
    const { callId } = req.params;
    const lastId = Number(req.headers['last-event-id']);
    const sub = o.live.subscribe(callId, { afterSeq: Number.isInteger(lastId) ? lastId : undefined });
    const record = sub ? undefined : o.store.getCall(callId);
    if (!sub && !record) return reply.code(404).send({ error: 'not_found' });

    reply.hijack();
    const stream = new SseStream(reply.raw, o.clock, o.heartbeatMs);
    o.streams.add(stream);
    void stream.done.then(() => {
      o.streams.delete(stream);
      sub?.end('unsubscribed');
    });
    if (sub) {
      await pump(sub, stream, o.store);
    } else if (record) {
      send(stream, { type: 'record', call: record });
      send(stream, { type: 'end', reason: 'not_live' });
    }
    stream.close();
  });
}

function send(stream: SseStream, message: CallEventMessage, id?: number): boolean {
  return stream.send(message, id);
}

async function pump(sub: LiveSubscription, stream: SseStream, store: CallQueries): Promise<void> {
  send(stream, { type: 'call', call: sub.start });
  for await (const { seq, at, event } of sub) {
    if (!send(stream, { ...event, seq, at }, seq)) await stream.drained();
    if (stream.isClosed) return;
  }
  if (sub.endReason === 'call_ended') {
    const record = store.getCall(sub.callId);
    if (record) send(stream, { type: 'record', call: record });
    send(stream, { type: 'end', reason: 'call_ended' });
  } else if (sub.endReason === 'closed') {
    send(stream, { type: 'end', reason: 'server_closing' });
  }
}
