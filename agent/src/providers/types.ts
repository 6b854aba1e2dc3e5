/**
 * Provider interfaces the conversation engine depends on. Vendors implement them in their own
 * folders (deepgram/, openai/, cartesia/); the engine never imports a vendor SDK.
 * Streams follow one shape: push in, async-iterate out, AbortSignal / close() to cancel.
 */
import type { Pcm16 } from '../audio/pcm.js';
import type { ProviderError } from './errors.js';

// ── Speech-to-text ────────────────────────────────────────────────────────────

export interface SttOptions {
  sampleRate: number;
  language: string;
  model?: string;
  /** Silence (ms) after which the STT marks speech_final. */
  endpointingMs: number;
  /** Gap (ms) between words after which the STT sends an utterance end. */
  utteranceEndMs: number;
  /**
   * Conversational STT that decides turns itself (Deepgram Flux on /v2/listen): the stream then
   * emits `turn` events instead of transcripts, and endpointing/utteranceEnd do not apply.
   */
  flux?: FluxOptions;
  signal: AbortSignal;
}

export interface FluxOptions {
  model: string;
  /** End-of-turn confidence that ends a turn (0.5–1.0). */
  eotThreshold: number;
  /** Confidence for EagerEndOfTurn / TurnResumed; omitted = no eager events. */
  eagerEotThreshold?: number;
  /** A turn ends after this much silence whatever the confidence. */
  eotTimeoutMs: number;
}

/** A model-native turn event: start, an update of the turn's words, the likely end, its withdrawal, the end. */
export type SttTurnEvent = 'start' | 'update' | 'eager_end' | 'resumed' | 'end';

export type SttEvent =
  | { type: 'speech_started' }
  | {
      type: 'transcript';
      text: string;
      isFinal: boolean;
      /** The STT's own endpointing decided the speaker paused. */
      speechFinal: boolean;
      /** This final was produced by our finalize() request. */
      fromFinalize: boolean;
      confidence?: number;
    }
  | { type: 'utterance_end' }
  /** Conversational STT only (Flux): `text` is the whole turn so far. */
  | { type: 'turn'; event: SttTurnEvent; text: string; index: number; confidence: number }
  | { type: 'error'; error: ProviderError };

export interface SttStream extends AsyncIterable<SttEvent> {
  /** Caller audio at options.sampleRate. Never blocks. */
  push(pcm: Pcm16): void;
  /** Ask the STT to flush a final for what it has heard (Deepgram Finalize). */
  finalize(): void;
  /** Graceful end: flush, then the iterator finishes. */
  end(): void;
  /** Immediate, idempotent close; the iterator finishes. */
  close(): void;
}

export interface SttProvider {
  readonly name: string;
  connect(options: SttOptions): Promise<SttStream>;
}

// ── LLM ──────────────────────────────────────────────────────────────────────

export interface ToolCall {
  id: string;
  name: string;
  /** Raw JSON string of arguments as the model produced them. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface LlmRequest {
  model: string;
  messages: readonly ChatMessage[];
  tools: readonly ToolSpec[];
  temperature?: number;
  /**
   * How long the caller can still wait for this request's first token (ms). A retry/fallback layer
   * spreads its attempts inside it; adapters ignore it (their own timeouts apply).
   */
  firstTokenBudgetMs?: number;
  signal: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export type LlmEvent =
  | { type: 'text'; text: string }
  /** The first fragment of a tool call arrived (its arguments are still streaming). */
  | { type: 'tool_call_started'; id: string; name: string }
  /** Every tool call of the completion, complete, after the model finished them. */
  | { type: 'tool_calls'; calls: ToolCall[] }
  /** Tokens the request consumed, as the vendor counted them (before `done`). */
  | { type: 'usage'; usage: TokenUsage }
  | { type: 'done'; finishReason: string };

/**
 * One streamed completion. The contract every adapter and its in-memory double keep (proven by
 * llm-conformance.test.ts): events in order, `done` last; a provider failure or the provider's own
 * timeout (first token, or a stall mid-stream) throws a ProviderError from the iterator, retryable or
 * not; only a caller-initiated cancel (request.signal, or leaving the for-await) ends it quietly,
 * with neither `done` nor a throw. No vendor SDK retries underneath.
 */
export interface LlmProvider {
  readonly name: string;
  stream(request: LlmRequest): AsyncIterable<LlmEvent>;
}

// ── Text-to-speech ───────────────────────────────────────────────────────────

export interface TtsConnectOptions {
  sampleRate: number;
  voice: string;
  language: string;
  model?: string;
  signal: AbortSignal;
}

export type TtsEvent = { type: 'audio'; pcm: Pcm16 } | { type: 'done' };

/** One reply: text pushed clause by clause, audio out as it is generated. */
export interface TtsUtterance extends AsyncIterable<TtsEvent> {
  pushText(text: string): void;
  /** No more text; the iterator finishes after the last audio. */
  end(): void;
  /** Stop generating now (Cartesia cancel); the iterator finishes. Idempotent. */
  cancel(): void;
}

/**
 * A warm connection for one call; each reply opens its own utterance (Cartesia context). Once the
 * vendor closed it (an idle socket dropped between turns, a failed send) `isOpen()` is false and
 * every new utterance fails with ProviderError `closed`: it never re-dials by itself.
 */
export interface TtsConnection {
  utterance(): TtsUtterance;
  isOpen(): boolean;
  close(): void;
}

export interface TtsProvider {
  readonly name: string;
  connect(options: TtsConnectOptions): Promise<TtsConnection>;
}

export interface Providers {
  stt: SttProvider;
  llm: LlmProvider;
  tts: TtsProvider;
  /** A second endpoint per stage that profiles may fall back to (`endpoint: secondary`). */
  secondary?: { llm?: LlmProvider; tts?: TtsProvider };
}
