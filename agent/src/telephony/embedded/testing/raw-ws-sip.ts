/** TEST-ONLY: a bare SIP-over-WebSocket client (subprotocol sip): send exact text, collect frames (bounded waits). */
import { WebSocket, type ClientOptions } from 'ws';

export interface RawWs {
  ws: WebSocket;
  frames: string[];
  send(text: string): void;
  /** The next frame matching `re` (searching from frame `from`), or throws after timeoutMs. */
  waitFor(re: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  close(): Promise<void>;
}

export async function rawWs(
  url: string,
  protocols: string[] = ['sip'],
  opts: ClientOptions = {},
): Promise<RawWs> {
  const ws = new WebSocket(url, protocols, opts);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const frames: string[] = [];
  ws.on('message', (d: Buffer) => frames.push(d.toString()));
  return {
    ws,
    frames,
    send: (text) => ws.send(text),
    async waitFor(re, timeoutMs = 3000, from = 0) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = frames.slice(from).find((f) => re.test(f));
        if (hit !== undefined) return hit;
        if (Date.now() > end)
          throw new Error(`no frame matching ${re} in ${timeoutMs} ms: ${frames.join('\n---\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        if (ws.readyState === ws.CLOSED) return r();
        ws.once('close', () => r());
        ws.close();
      }),
  };
}

/** Poll until fn() is truthy (bounded). */
export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
