/**
 * Loads @cartesia/cartesia-js (4.2) through its CommonJS build.
 *
 * Why not `import`: the ESM build's WebSocket helper does `require('ws')` inside try/catch; in ESM
 * `require` is undefined, so on Node 20 `tts.websocket()` throws "The ws peer dependency is
 * required" and on Node 22+ it silently takes the browser path (no headers, no TLS options).
 * The CJS build loads `ws` and authenticates with `Authorization: Bearer` + `cartesia-version`
 * headers (research/voice-agents.md §3.3). Types come from the package's own declarations.
 */
import { createRequire } from 'node:module';
import type CartesiaClient from '@cartesia/cartesia-js';
import type { TTSWS as TTSWSClass } from '@cartesia/cartesia-js/resources/tts/ws';

const require = createRequire(import.meta.url);

interface CartesiaModule {
  Cartesia: typeof CartesiaClient;
}
interface CartesiaWsModule {
  TTSWS: typeof TTSWSClass;
}

let loaded: { Cartesia: typeof CartesiaClient; TTSWS: typeof TTSWSClass } | undefined;

/** Loaded on first use, so importing this module has no side effects. */
export function cartesiaSdk(): { Cartesia: typeof CartesiaClient; TTSWS: typeof TTSWSClass } {
  if (!loaded) {
    const { Cartesia } = require('@cartesia/cartesia-js') as CartesiaModule;
    // TTSWS is exported (resources/tts/ws) so we can attach an `error` listener before the socket
    // opens; `client.tts.websocket()` only returns after open, and an error before that (401,
    // refused, TLS) would otherwise surface as an unhandled promise rejection inside the SDK.
    const { TTSWS } = require('@cartesia/cartesia-js/resources/tts/ws') as CartesiaWsModule;
    loaded = { Cartesia, TTSWS };
  }
  return loaded;
}

export type CartesiaInstance = InstanceType<typeof CartesiaClient>;
export type TtsSocket = InstanceType<typeof TTSWSClass>;
export type TtsContext = ReturnType<TtsSocket['context']>;
