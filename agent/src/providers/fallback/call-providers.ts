/**
 * One call's providers with retry and fallback wrapped around the LLM and TTS stages: the primary
 * route first (the profile's model / voice on the primary endpoint), then the profile's fallbacks in
 * order. STT keeps its one retry layer in the conversation (reconnect with audio replay).
 */
import type { Clock } from '../../time/clock.js';
import type { Providers } from '../types.js';
import { FallbackLlm, type LlmRoute } from './fallback-llm.js';
import { FallbackTts, type TtsRoute } from './fallback-tts.js';
import type { FaultListener } from './fallback-types.js';
import type { RouteHealth } from './route-health.js';

export type Endpoint = 'primary' | 'secondary';

export interface CallRouting {
  llm: {
    model: string;
    fallback: readonly { model?: string | undefined; endpoint: Endpoint }[];
    firstTokenBudgetMs: number;
    attemptTimeoutMs: number;
  };
  tts: {
    voice: string;
    model: string;
    fallback: readonly { voice?: string | undefined; model?: string | undefined; endpoint: Endpoint }[];
    attemptTimeoutMs: number;
    /** The whole wait for first audio, attempts included. */
    budgetMs: number;
    connectTimeoutMs: number;
  };
}

export interface CallProvidersOptions {
  clock: Clock;
  health: RouteHealth;
  onFault: FaultListener;
}

/** Attempts per reply across the routes; a lone route is tried again once more than that. */
const MAX_ATTEMPTS = 3;
const MIN_ATTEMPT_MS = 300;
const RETRY_DELAY_MS = 100;

export function callProviders(base: Providers, routing: CallRouting, o: CallProvidersOptions): Providers {
  const llmRoutes: LlmRoute[] = [
    { provider: base.llm, label: `${base.llm.name}:primary:${routing.llm.model}` },
  ];
  for (const f of routing.llm.fallback) {
    const provider = f.endpoint === 'secondary' ? base.secondary?.llm : base.llm;
    if (!provider) continue; // config validation makes sure the endpoint exists
    const model = f.model ?? routing.llm.model;
    llmRoutes.push({ provider, model, label: `${provider.name}:${f.endpoint}:${model}` });
  }
  const ttsRoutes: TtsRoute[] = [
    { provider: base.tts, label: `${base.tts.name}:primary:${routing.tts.voice}` },
  ];
  for (const f of routing.tts.fallback) {
    const provider = f.endpoint === 'secondary' ? base.secondary?.tts : base.tts;
    if (!provider) continue;
    const voice = f.voice ?? routing.tts.voice;
    ttsRoutes.push({
      provider,
      voice,
      ...(f.model ? { model: f.model } : {}),
      label: `${provider.name}:${f.endpoint}:${voice}${f.model ? `:${f.model}` : ''}`,
    });
  }
  const attempts = Math.max(MAX_ATTEMPTS, llmRoutes.length);
  return {
    stt: base.stt,
    llm: new FallbackLlm({
      routes: llmRoutes,
      clock: o.clock,
      health: o.health,
      budgetMs: routing.llm.firstTokenBudgetMs,
      attemptTimeoutMs: routing.llm.attemptTimeoutMs,
      maxAttempts: attempts,
      minAttemptMs: MIN_ATTEMPT_MS,
      retryDelayMs: RETRY_DELAY_MS,
      onFault: o.onFault,
    }),
    tts: new FallbackTts({
      routes: ttsRoutes,
      clock: o.clock,
      health: o.health,
      budgetMs: routing.tts.budgetMs,
      attemptTimeoutMs: routing.tts.attemptTimeoutMs,
      maxAttempts: Math.max(MAX_ATTEMPTS, ttsRoutes.length),
      minAttemptMs: MIN_ATTEMPT_MS,
      connectTimeoutMs: routing.tts.connectTimeoutMs,
      onFault: o.onFault,
    }),
  };
}
