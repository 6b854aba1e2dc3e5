/** GET /api/calls (newest first, paged) and GET /api/calls/:callId (record, turns, timings). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  type CallQueries,
  type ListCallsQuery,
} from '../store/store-types.js';
import type { LiveEvents } from './live-events.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).optional(),
  /** A row id from a previous page's `next`, or a time (ISO 8601 or ms since the epoch as ISO). */
  before: z.string().min(1).max(64).optional(),
  profile: z.string().min(1).max(200).optional(),
});

/** `before`: digits are a row-id cursor; anything else must parse as a date. */
export function parseBefore(raw: string | undefined): ListCallsQuery['before'] | 'invalid' {
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? 'invalid' : new Date(ms);
}

export function registerCallsRoutes(app: FastifyInstance, store: CallQueries, live: LiveEvents): void {
  app.get('/api/calls', async (req, reply) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply.code(400).send({
        error: 'bad_request',
        field: String(issue?.path[0] ?? ''),
        message: issue?.message ?? 'invalid',
      });
    }
    const before = parseBefore(parsed.data.before);
    if (before === 'invalid') {
      return reply
        .code(400)
        .send({ error: 'bad_request', field: 'before', message: 'not a cursor or a date' });
    }
    const query: ListCallsQuery = { limit: parsed.data.limit, before, profile: parsed.data.profile };
    const calls = store.listCalls(query).map((c) => ({ ...c, live: live.isActive(c.callId) }));
    const limit = parsed.data.limit ?? DEFAULT_LIST_LIMIT;
    const last = calls.at(-1);
    return { calls, next: calls.length === limit && last ? String(last.id) : null };
  });

  app.get<{ Params: { callId: string } }>('/api/calls/:callId', async (req, reply) => {
    const call = store.getCall(req.params.callId);
    if (!call) return reply.code(404).send({ error: 'not_found' });
    return { call: { ...call, live: live.isActive(call.callId) } };
  });
}
