/**
 * In-memory STT, LLM and TTS for engine tests: scripted, timed by an injected clock, recording what
 * the engine asked of them, each keeping its adapter's contract (the *-conformance tests run both).
 * Test-only; production code never imports this folder.
 */
export { MemorySttStream, ScriptedStt } from './memory/memory-stt.js';
export {
  ScriptedLlm,
  tokens,
  type LlmScript,
  type LlmStep,
  type RecordedLlmRequest,
  type ScriptedLlmTimeouts,
} from './memory/memory-llm.js';
export {
  MemoryTts,
  MemoryUtterance,
  tone,
  type MemoryTtsOptions,
  type TtsFailure,
} from './memory/memory-tts.js';
