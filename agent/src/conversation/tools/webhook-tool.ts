/**
 * HTTP webhook tools declared in the profile. Arguments (the model's JSON, checked to be an object)
 * go as the JSON body of a POST, or as query parameters of a GET; the response text (capped) goes
 * back to the LLM. Timeouts, bad URLs, HTTP errors: an error result, never an exception.
 */
import type { WebhookTool } from '../../config/profile-schema.js';
import { errorResult, parseArguments, type Tool, type ToolContext, type ToolOutcome } from './tool-types.js';

const MAX_RESULT_CHARS = 4000;

export function webhookTool(def: WebhookTool): Tool {
  return {
    spec: { name: def.name, description: def.description, parameters: def.parameters },
    run: (raw, ctx) => callWebhook(def, raw, ctx),
  };
}

async function callWebhook(def: WebhookTool, raw: string, ctx: ToolContext): Promise<ToolOutcome> {
  const args = parseArguments(raw);
  if (!args) return errorResult('arguments must be a JSON object');
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timer = ctx.clock.setTimeout(() => controller.abort(new Error('timeout')), def.timeoutMs);
  const started = ctx.clock.now();
  try {
    const { url, init } = buildRequest(def, args);
    const res = await fetch(url, { ...init, signal: controller.signal });
    const text = (await res.text()).slice(0, MAX_RESULT_CHARS);
    ctx.log.info({ tool: def.name, status: res.status, ms: ctx.clock.now() - started }, 'webhook tool done');
    if (!res.ok) return errorResult(`HTTP ${res.status}: ${text.slice(0, 500)}`);
    return { result: text };
  } catch (err) {
    const timedOut = controller.signal.aborted && !ctx.signal.aborted;
    ctx.log.warn({ tool: def.name, err: String(err), timedOut }, 'webhook tool failed');
    return errorResult(timedOut ? `timed out after ${def.timeoutMs} ms` : 'request failed');
  } finally {
    ctx.clock.clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

function buildRequest(def: WebhookTool, args: Record<string, unknown>): { url: string; init: RequestInit } {
  const headers: Record<string, string> = { accept: 'application/json, text/plain', ...def.headers };
  if (def.method === 'GET') {
    const url = new URL(def.url);
    for (const [k, v] of Object.entries(args))
      url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    return { url: url.toString(), init: { method: 'GET', headers } };
  }
  return {
    url: def.url,
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(args),
    },
  };
}
