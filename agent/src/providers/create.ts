/**
 * Builds the three providers from the validated environment. Nothing here needs a key: a missing
 * key surfaces as ProviderError auth_failed when a call first uses that provider, so the agent
 * starts (and /healthz answers) without keys. Keys are never logged; base URLs are logged as origins.
 */
import type { Clock } from '../time/clock.js';
import type { Env } from '../config/env-schema.js';
import type { Logger } from '../log.js';
import { CartesiaTts } from './cartesia/cartesia-tts.js';
import { DeepgramStt } from './deepgram/deepgram-stt.js';
import { OpenAiLlm } from './openai/openai-llm.js';
import type { Providers } from './types.js';

export type ProviderEnv = Pick<
  Env,
  | 'DEEPGRAM_API_KEY'
  | 'OPENAI_API_KEY'
  | 'CARTESIA_API_KEY'
  | 'DEEPGRAM_BASE_URL'
  | 'OPENAI_BASE_URL'
  | 'CARTESIA_BASE_URL'
  | 'SWITCHBOARD_PROVIDERS_INSECURE_TLS'
> &
  Partial<
    Pick<
      Env,
      | 'OPENAI_SECONDARY_BASE_URL'
      | 'OPENAI_SECONDARY_API_KEY'
      | 'CARTESIA_SECONDARY_BASE_URL'
      | 'CARTESIA_SECONDARY_API_KEY'
    >
  >;

export interface CreateProvidersOptions {
  log?: Logger;
  /** Clock for the STT keep-alive timer (tests). */
  clock?: Clock;
}

function origin(url: string | undefined): string {
  if (!url) return 'default';
  try {
    return new URL(url).origin; // drops any user:password@ and the path
  } catch {
    return 'invalid';
  }
}

export function createProviders(env: ProviderEnv, options: CreateProvidersOptions = {}): Providers {
  const { log } = options;
  const insecureTls = env.SWITCHBOARD_PROVIDERS_INSECURE_TLS;
  log?.info(
    {
      stt: { vendor: 'deepgram', base: origin(env.DEEPGRAM_BASE_URL), keySet: !!env.DEEPGRAM_API_KEY },
      llm: { vendor: 'openai', base: origin(env.OPENAI_BASE_URL), keySet: !!env.OPENAI_API_KEY },
      tts: { vendor: 'cartesia', base: origin(env.CARTESIA_BASE_URL), keySet: !!env.CARTESIA_API_KEY },
      ...(env.OPENAI_SECONDARY_BASE_URL ? { llmSecondary: origin(env.OPENAI_SECONDARY_BASE_URL) } : {}),
      ...(env.CARTESIA_SECONDARY_BASE_URL ? { ttsSecondary: origin(env.CARTESIA_SECONDARY_BASE_URL) } : {}),
      insecureTls,
    },
    'providers configured',
  );
  const secondary: NonNullable<Providers['secondary']> = {};
  if (env.OPENAI_SECONDARY_BASE_URL)
    secondary.llm = new OpenAiLlm({
      apiKey: env.OPENAI_SECONDARY_API_KEY ?? env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_SECONDARY_BASE_URL,
      ...(log ? { log } : {}),
    });
  if (env.CARTESIA_SECONDARY_BASE_URL)
    secondary.tts = new CartesiaTts({
      apiKey: env.CARTESIA_SECONDARY_API_KEY ?? env.CARTESIA_API_KEY,
      baseUrl: env.CARTESIA_SECONDARY_BASE_URL,
      insecureTls,
      ...(log ? { log } : {}),
    });
  return {
    ...(secondary.llm || secondary.tts ? { secondary } : {}),
    stt: new DeepgramStt({
      apiKey: env.DEEPGRAM_API_KEY,
      baseUrl: env.DEEPGRAM_BASE_URL,
      ...(log ? { log } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    }),
    llm: new OpenAiLlm({ apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL, ...(log ? { log } : {}) }),
    tts: new CartesiaTts({
      apiKey: env.CARTESIA_API_KEY,
      baseUrl: env.CARTESIA_BASE_URL,
      insecureTls,
      ...(log ? { log } : {}),
    }),
  };
}
