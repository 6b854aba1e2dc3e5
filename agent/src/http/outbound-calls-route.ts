/**
 * POST /api/calls places an outbound call; DELETE /api/calls/:callId cancels it while it rings.
 * Same token rule as the rest of /api, and more: placing calls costs money, so these two answer 403
 * unless an API token is configured. Refusals name the field at fault; a flood of POSTs gets 429.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OutboundError, type OutboundRequest } from '../telephony/calls/outbound/outbound-types.js';

/** What the routes need of the shared outbound call control (OutboundCalls). */
export interface OutboundCallsApi {
  place(req: OutboundRequest): { callId: string; existing: boolean };
  cancel(callId: string): 'cancelling' | 'not_ringing' | 'unknown';
}

const body = z.object({
  to: z.string().min(1).max(32),
  profile: z.string().min(1).max(64),
  from: z.string().min(1).max(32).optional(),
  trunk: z.string().min(1).max(200).optional(),
  registration: z.string().min(1).max(200).optional(),
  variables: z
    .record(
      z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'variable names are letters, digits and _'),
      z.string().max(2000),
    )
    .refine((v) => Object.keys(v).length <= 50, 'at most 50 variables')
    .default({}),
  maxRingSeconds: z.number().int().min(5).max(300).default(30),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

function refusal(field: string, message: string, error = 'bad_request') {
  return { error, field, message };
}

export function registerOutboundCallsRoutes(
  app: FastifyInstance,
  outbound: () => OutboundCallsApi | undefined,
  tokenConfigured: boolean,
): void {
  app.post('/api/calls', async (req, reply) => {
    if (!tokenConfigured)
      return reply
        .code(403)
        .send(refusal('token', 'set SWITCHBOARD_API_TOKEN to place calls', 'api_token_required'));
    const parsed = body.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply
        .code(400)
        .send(refusal(issue?.path.map(String).join('.') ?? '', issue?.message ?? 'invalid'));
    }
    const api = outbound();
    if (!api)
      return reply.code(503).send(refusal('request', 'no telephony back-end can place calls', 'unavailable'));
    const headerKey = req.headers['idempotency-key'];
    const key =
      parsed.data.idempotencyKey ??
      (typeof headerKey === 'string' && headerKey !== '' ? headerKey : undefined);
    try {
      const { idempotencyKey: _ignored, ...rest } = parsed.data;
      const placed = api.place({ ...rest, ...(key ? { idempotencyKey: key.slice(0, 200) } : {}) });
      return reply
        .code(placed.existing ? 200 : 201)
        .send({ callId: placed.callId, existing: placed.existing });
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      if (err.retryAfterS !== undefined) reply.header('retry-after', String(err.retryAfterS));
      return reply.code(err.status).send(refusal(err.field, err.message, err.code));
    }
  });

  app.delete<{ Params: { callId: string } }>('/api/calls/:callId', async (req, reply) => {
    if (!tokenConfigured)
      return reply
        .code(403)
        .send(refusal('token', 'set SWITCHBOARD_API_TOKEN to cancel calls', 'api_token_required'));
    const result = outbound()?.cancel(req.params.callId) ?? 'unknown';
    if (result === 'unknown') return reply.code(404).send({ error: 'not_found' });
    if (result === 'not_ringing')
      return reply.code(409).send(refusal('callId', 'the call is no longer ringing', 'not_ringing'));
    return reply.code(202).send({ callId: req.params.callId, cancelling: true });
  });
}
