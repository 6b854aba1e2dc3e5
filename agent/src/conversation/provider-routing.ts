/** A profile's provider routes and budgets, as the retry/fallback layer takes them. */
import type { AgentProfile } from '../config/profile-schema.js';
import type { CallRouting } from '../providers/fallback/call-providers.js';
import type { ConversationOptions } from './conversation-options.js';

/** The fallback layer gives up on first audio this long before the speech output's own timeout. */
const TTS_BUDGET_SLACK_MS = 250;

export function routingFor(profile: AgentProfile, o: ConversationOptions): CallRouting {
  return {
    llm: {
      model: profile.llm.model,
      fallback: profile.llm.fallback,
      firstTokenBudgetMs: profile.llm.firstTokenBudgetMs,
      attemptTimeoutMs: profile.llm.attemptTimeoutMs,
    },
    tts: {
      voice: profile.voice,
      model: profile.tts.model,
      fallback: profile.tts.fallback,
      attemptTimeoutMs: profile.tts.attemptTimeoutMs,
      budgetMs: Math.max(profile.tts.attemptTimeoutMs, o.timeouts.ttsFirstAudioMs - TTS_BUDGET_SLACK_MS),
      connectTimeoutMs: o.timeouts.ttsConnectMs,
    },
  };
}
