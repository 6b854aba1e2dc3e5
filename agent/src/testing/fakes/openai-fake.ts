/**
 * A local OpenAI Chat Completions server: POST /v1/chat/completions with Bearer auth, streaming
 * SSE `data: {chat.completion.chunk}` lines then `data: [DONE]` (or one JSON body for stream:false),
 * so the official `openai` SDK runs unmodified against it. Replies are scripted per request
 * (text, tool calls, latencies, failures) and every request body is recorded. Test-only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { completionObject, planChunks, type FakeToolCall } from './openai-chunks.js';

export type { FakeToolCall } from './openai-chunks.js';

export type OpenAiFakeFailure =
  /** Answer with this HTTP status and an OpenAI-style error body. */
  | { type: 'status'; status: number; message?: string }
  /** Reset the TCP connection after this many chunks. */
  | { type: 'cut'; afterChunks: number }
  /** Stop sending (connection stays open) after this many chunks. */
  | { type: 'stall'; afterChunks: number }
  /** Send an SSE `error` object after this many chunks (the SDK throws APIError). */
  | { type: 'stream_error'; afterChunks: number }
  /** Never answer at all (not even headers). */
  | { type: 'hang' };

export interface OpenAiFakeReply {
  text?: string;
  toolCalls?: FakeToolCall[];
  /** Delay before the first token. Default: the script's, else 300 ms. */
  firstTokenMs?: number;
  /** Gap between chunks. Default: the script's, else 20 ms. */
  interTokenMs?: number;
  failure?: OpenAiFakeFailure;
}

export interface OpenAiFakeScript {
  /** Replies handed out one per request, in order. */
  replies: OpenAiFakeReply[];
  /** Cycle through `replies` instead of falling back to `fallback` when they run out. */
  loop?: boolean;
  /** Reply once the list is exhausted. Default { text: 'Okay.' }. */
  fallback?: OpenAiFakeReply;
  firstTokenMs?: number;
  interTokenMs?: number;
}

export interface OpenAiFakeRequest {
  /** The parsed JSON body (model, messages, tools, stream…). */
  body: Record<string, unknown>;
  receivedAt: number;
  /** Set when the client went away before the reply finished (abort, cancel). */
  clientClosedEarly: boolean;
}

export interface OpenAiFake {
  /** http://host:port/v1 — OPENAI_BASE_URL for the adapter. */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  script: OpenAiFakeScript;
  readonly requests: OpenAiFakeRequest[];
  /** Add replies at the end of the script. */
  enqueue(...replies: OpenAiFakeReply[]): void;
  setScript(script: OpenAiFakeScript): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

class OpenAiFakeServer implements OpenAiFake {
  readonly requests: OpenAiFakeRequest[] = [];
  url = '';
  port = 0;
  private cursor = 0;
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    public script: OpenAiFakeScript,
    readonly apiKey: string,
  ) {
    this.server = createServer((req, res) => this.onRequest(req, res));
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${this.port}/v1`;
  }

  enqueue(...replies: OpenAiFakeReply[]): void {
    this.script.replies.push(...replies);
  }

  setScript(script: OpenAiFakeScript): void {
    this.script = script;
    this.cursor = 0;
  }

  async waitForRequests(n: number, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.requests.length < n) {
      if (Date.now() > until) throw new Error(`openai fake: ${this.requests.length}/${n} requests`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private nextReply(): OpenAiFakeReply {
    const list = this.script.replies;
    if (this.cursor >= list.length && this.script.loop && list.length > 0) this.cursor = 0;
    return list[this.cursor++] ?? this.script.fallback ?? { text: 'Okay.' };
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/chat/completions') {
      return sendError(res, 404, 'Unknown route', 'invalid_request_error');
    }
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        return sendError(
          res,
          400,
          'We could not parse the JSON body of your request.',
          'invalid_request_error',
        );
      }
      const record: OpenAiFakeRequest = { body, receivedAt: Date.now(), clientClosedEarly: false };
      this.requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) record.clientClosedEarly = true;
      });
      this.reply(body, res, this.nextReply());
    });
  }

  private reply(body: Record<string, unknown>, res: ServerResponse, reply: OpenAiFakeReply): void {
    const failure = reply.failure;
    if (failure?.type === 'hang') return;
    if (failure?.type === 'status') {
      return sendError(res, failure.status, failure.message ?? 'The server had an error.', 'server_error');
    }
    const first = reply.firstTokenMs ?? this.script.firstTokenMs ?? 300;
    const gap = reply.interTokenMs ?? this.script.interTokenMs ?? 20;
    const plan = {
      id: `chatcmpl-${randomUUID()}`,
      model: String(body['model'] ?? 'gpt-fake'),
      ...(reply.text !== undefined ? { text: reply.text } : {}),
      ...(reply.toolCalls ? { toolCalls: reply.toolCalls } : {}),
      includeUsage:
        (body['stream_options'] as { include_usage?: boolean } | undefined)?.include_usage === true,
      promptTokens: JSON.stringify(body['messages'] ?? []).length >> 2,
    };
    if (body['stream'] !== true) {
      this.later(() => {
        if (!res.destroyed)
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify(completionObject(plan)));
      }, first);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    this.streamChunks(res, planChunks(plan), first, gap, failure);
  }

  private streamChunks(
    res: ServerResponse,
    chunks: Record<string, unknown>[],
    first: number,
    gap: number,
    failure: OpenAiFakeFailure | undefined,
  ): void {
    let i = 0;
    const step = (): void => {
      if (res.destroyed) return;
      if (failure && 'afterChunks' in failure && i >= failure.afterChunks) {
        if (failure.type === 'cut') res.socket?.destroy();
        if (failure.type === 'stream_error') {
          res.end(
            `data: ${JSON.stringify({ error: { message: 'The model had an error.', type: 'server_error' } })}\n\n`,
          );
        }
        return; // 'stall': keep the connection open, send nothing more
      }
      const chunk = chunks[i++];
      if (!chunk) {
        res.end('data: [DONE]\n\n');
        return;
      }
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      // The role chunk and the first token leave together, as the first token.
      this.later(step, i === 1 ? 0 : gap);
    };
    this.later(step, first);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

export async function startOpenAiFake(
  script: OpenAiFakeScript = { replies: [] },
  options: { apiKey?: string; host?: string; port?: number } = {},
): Promise<OpenAiFake> {
  const fake = new OpenAiFakeServer(script, options.apiKey ?? 'test-openai-key');
  await fake.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return fake;
}
