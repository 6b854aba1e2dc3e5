/** One WebSocket on the Cartesia fake: contexts, synthesis timing, cancel, done, failures. */
import type { WebSocket } from 'ws';
import type { CartesiaFakeScript } from './cartesia-fake.js';
import { VowelSynth } from './vowel-synth.js';

export interface CartesiaFakeContext {
  readonly id: string;
  /** Connection index this context ran on. */
  readonly connection: number;
  /** Transcripts received, in order (empty ones included, as sent). */
  readonly texts: string[];
  readonly sampleRate: number;
  readonly request: Record<string, unknown>;
  chunksSent: number;
  samplesSent: number;
  cancelled: boolean;
  done: boolean;
  /** Wall time (Date.now) of the first message and of the first audio chunk. */
  readonly firstMessageAt: number;
  firstChunkAt: number | undefined;
}

interface ContextState {
  rec: CartesiaFakeContext;
  synth: VowelSynth;
  owed: number;
  ended: boolean;
  started: boolean;
  timer: NodeJS.Timeout | undefined;
  flushes: number[];
  flushN: number;
}

const RATES = [8000, 16000, 22050, 24000, 44100, 48000];

export class CartesiaFakeSession {
  private readonly contexts = new Map<string, ContextState>();
  private chunks = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly index: number,
    private readonly ws: WebSocket,
    private readonly script: () => CartesiaFakeScript,
    private readonly record: (c: CartesiaFakeContext) => number,
  ) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(String(data));
    });
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
    this.touchIdle();
  }

  terminate(): void {
    this.dispose();
    this.ws.terminate();
  }

  /** A clean close from the server's side (an idle timeout). */
  closeByServer(code: number, reason: string): void {
    if (this.closed) return;
    this.dispose();
    this.ws.close(code, reason);
  }

  /** Restart the idle timer: the connection closes after closeIdleAfterMs with no context generating. */
  private touchIdle(): void {
    clearTimeout(this.idleTimer);
    const ms = this.script().closeIdleAfterMs;
    if (ms === undefined || this.closed) return;
    this.idleTimer = setTimeout(() => {
      const busy = [...this.contexts.values()].some((c) => c.timer !== undefined);
      if (busy) return this.touchIdle();
      this.closeByServer(1000, 'fake: idle timeout');
    }, ms);
  }

  private send(msg: Record<string, unknown>): void {
    if (!this.closed) this.ws.send(JSON.stringify(msg));
  }

  private error(contextId: string | undefined, status: number, message: string): void {
    this.send({
      type: 'error',
      ...(contextId ? { context_id: contextId } : {}),
      status_code: status,
      title: status >= 500 ? 'Internal Server Error' : 'Invalid Request',
      message,
      error_code: status >= 500 ? 'internal_error' : 'invalid_request',
      done: true,
      request_id: `req_fake_${Date.now()}`,
    });
  }

  private onMessage(text: string): void {
    this.touchIdle();
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.error(undefined, 400, 'could not parse JSON');
    }
    const id = typeof msg['context_id'] === 'string' ? msg['context_id'] : undefined;
    if (msg['cancel'] === true) return this.cancel(id);
    const problem = this.validate(msg);
    if (problem) return this.error(id, 400, problem);
    this.generate(msg, id!);
  }

  private validate(msg: Record<string, unknown>): string | undefined {
    const fmt = msg['output_format'] as Record<string, unknown> | undefined;
    if (typeof msg['context_id'] !== 'string') return 'context_id is required';
    if (typeof msg['model_id'] !== 'string' || !msg['voice']) return 'model_id and voice are required';
    if (typeof msg['transcript'] !== 'string') return 'transcript is required';
    if (!fmt || fmt['container'] !== 'raw' || fmt['encoding'] !== 'pcm_s16le')
      return 'fake supports raw pcm_s16le only';
    if (!RATES.includes(Number(fmt['sample_rate']))) return 'unsupported sample_rate';
    return undefined;
  }

  private generate(msg: Record<string, unknown>, id: string): void {
    let st = this.contexts.get(id);
    if (st?.rec.done) return this.error(id, 400, 'context is already done');
    if (!st) {
      const rate = Number((msg['output_format'] as Record<string, unknown>)['sample_rate']);
      const rec: CartesiaFakeContext = {
        id,
        connection: this.index,
        texts: [],
        sampleRate: rate,
        request: msg,
        chunksSent: 0,
        samplesSent: 0,
        cancelled: false,
        done: false,
        firstMessageAt: Date.now(),
        firstChunkAt: undefined,
      };
      const n = this.record(rec);
      st = {
        rec,
        synth: new VowelSynth(rate),
        owed: 0,
        ended: false,
        started: false,
        timer: undefined,
        flushes: [],
        flushN: 0,
      };
      this.contexts.set(id, st);
      const fail = this.script().errorOnContext;
      if (fail && fail.index === n) {
        st.rec.done = true;
        return this.error(id, fail.status ?? 500, fail.message ?? 'fake: synthesis failed');
      }
    }
    if (st.rec.cancelled) return;
    const transcript = String(msg['transcript']);
    st.rec.texts.push(transcript);
    const msPerChar = this.script().msPerChar ?? 55;
    st.owed += Math.round((transcript.length * msPerChar * st.rec.sampleRate) / 1000);
    if (msg['flush'] === true) st.flushes.push(st.owed);
    if (msg['continue'] === false) st.ended = true;
    this.kick(st);
  }

  /** Start or resume the producer for a context. */
  private kick(st: ContextState): void {
    if (st.timer || this.closed) return;
    const delay = st.started ? 0 : (this.script().firstByteMs ?? 90);
    st.started = true;
    st.timer = setTimeout(() => this.step(st), delay);
  }

  private step(st: ContextState): void {
    st.timer = undefined;
    if (this.closed || st.rec.cancelled || st.rec.done) return;
    const s = this.script();
    const chunkSamples = Math.round(((s.chunkMs ?? 40) * st.rec.sampleRate) / 1000);
    const left = st.owed - st.rec.samplesSent;
    if (s.stallAfterChunks !== undefined && this.chunks >= s.stallAfterChunks) return;
    if (left > 0) {
      this.sendChunk(st, Math.min(chunkSamples, left));
      if (s.closeAfterChunks !== undefined && this.chunks >= s.closeAfterChunks) {
        this.dispose();
        this.ws.close(1011, 'fake: dropped');
        return;
      }
      st.timer = setTimeout(() => this.step(st), (s.chunkMs ?? 40) / (s.speed ?? 4));
      return;
    }
    if (st.ended) {
      st.rec.done = true;
      this.send({ type: 'done', context_id: st.rec.id, done: true, status_code: 200 });
      this.touchIdle();
    }
    // otherwise idle until more text arrives
  }

  private sendChunk(st: ContextState, count: number): void {
    const pcm = st.synth.next(count);
    const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64');
    this.chunks++;
    st.rec.chunksSent++;
    st.rec.samplesSent += count;
    st.rec.firstChunkAt ??= Date.now();
    this.send({ type: 'chunk', context_id: st.rec.id, data, done: false, status_code: 206, step_time: 5 });
    while (st.flushes.length && st.flushes[0]! <= st.rec.samplesSent) {
      st.flushes.shift();
      st.flushN++;
      this.send({
        type: 'flush_done',
        context_id: st.rec.id,
        flush_id: st.flushN,
        flush_done: true,
        done: false,
        status_code: 206,
      });
    }
  }

  private cancel(id: string | undefined): void {
    const st = id ? this.contexts.get(id) : undefined;
    if (!st) return;
    st.rec.cancelled = true;
    clearTimeout(st.timer);
    st.timer = undefined;
  }

  private dispose(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const st of this.contexts.values()) clearTimeout(st.timer);
  }
}
