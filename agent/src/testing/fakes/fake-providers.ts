/**
 * Starts the Deepgram, OpenAI and Cartesia fakes together on loopback (port 0 unless told) and
 * returns the environment that points the agent at them. Test-only.
 */
import { startCartesiaFake, type CartesiaFake, type CartesiaFakeScript } from './cartesia-fake.js';
import { startDeepgramFake, type DeepgramFake, type DeepgramFakeScript } from './deepgram-fake.js';
import { startOpenAiFake, type OpenAiFake, type OpenAiFakeScript } from './openai-fake.js';

export interface FakeProvidersScript {
  deepgram?: DeepgramFakeScript;
  openai?: OpenAiFakeScript;
  cartesia?: CartesiaFakeScript;
}

export interface FakeProvidersOptions {
  host?: string;
  ports?: { deepgram?: number; openai?: number; cartesia?: number };
  keys?: { deepgram?: string; openai?: string; cartesia?: string };
}

/** The variables of env-schema.ts that route the agent's providers to the fakes. */
export interface FakeProviderEnv {
  DEEPGRAM_API_KEY: string;
  OPENAI_API_KEY: string;
  CARTESIA_API_KEY: string;
  DEEPGRAM_BASE_URL: string;
  OPENAI_BASE_URL: string;
  CARTESIA_BASE_URL: string;
  SWITCHBOARD_PROVIDERS_INSECURE_TLS: '1';
}

export interface FakeProviders {
  deepgram: DeepgramFake;
  openai: OpenAiFake;
  cartesia: CartesiaFake;
  env: FakeProviderEnv;
  close(): Promise<void>;
}

export async function startFakeProviders(
  script: FakeProvidersScript = {},
  options: FakeProvidersOptions = {},
): Promise<FakeProviders> {
  const host = options.host ?? '127.0.0.1';
  const started: { close(): Promise<void> }[] = [];
  try {
    const deepgram = await startDeepgramFake(script.deepgram ?? { utterances: [] }, {
      host,
      port: options.ports?.deepgram ?? 0,
      ...(options.keys?.deepgram ? { apiKey: options.keys.deepgram } : {}),
    });
    started.push(deepgram);
    const openai = await startOpenAiFake(script.openai ?? { replies: [] }, {
      host,
      port: options.ports?.openai ?? 0,
      ...(options.keys?.openai ? { apiKey: options.keys.openai } : {}),
    });
    started.push(openai);
    const cartesia = await startCartesiaFake(script.cartesia ?? {}, {
      host,
      port: options.ports?.cartesia ?? 0,
      ...(options.keys?.cartesia ? { apiKey: options.keys.cartesia } : {}),
    });
    started.push(cartesia);
    const env: FakeProviderEnv = {
      DEEPGRAM_API_KEY: deepgram.apiKey,
      OPENAI_API_KEY: openai.apiKey,
      CARTESIA_API_KEY: cartesia.apiKey,
      DEEPGRAM_BASE_URL: deepgram.url,
      OPENAI_BASE_URL: openai.url,
      CARTESIA_BASE_URL: cartesia.url,
      SWITCHBOARD_PROVIDERS_INSECURE_TLS: '1',
    };
    return {
      deepgram,
      openai,
      cartesia,
      env,
      close: async () => {
        await Promise.all(started.map((f) => f.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((f) => f.close()));
    throw err;
  }
}
