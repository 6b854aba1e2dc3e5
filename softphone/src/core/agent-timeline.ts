/**
 * The agent view's model as a pure reducer: live events of one call (the shapes of
 * agent/src/http/call-events-route.ts CallEventMessage) folded into one entry per turn. The event
 * stream may repeat itself (a user line as an STT final and again as the turn's text, a late final of
 * the same words, the turn record live and again in the stored record): entries are keyed by turn, so
 * a repeat updates its entry instead of adding one. Speech still being recognised is shown as interim.
 */

export type AgentActivity = 'listening' | 'thinking' | 'speaking' | 'ended';

export const TIMING_STAGES = [
  'endOfUtteranceDelayMs',
  'sttDelayMs',
  'llmTtftMs',
  'ttsTtfbMs',
  'voiceToVoiceMs',
] as const;
export type TimingStage = (typeof TIMING_STAGES)[number];
export type TurnTimings = Partial<Record<TimingStage, number>>;

export interface ToolCall {
  name: string;
  arguments: string;
  result: string;
}

export interface TurnEntry {
  /** Stable for the entry's life (rendering keys on it), also after the agent gives it an index. */
  key: string;
  /** The agent's turn index, once the agent has reported the turn. */
  index?: number;
  /** speech: the caller spoke; dtmf: keys pressed; agent: the agent spoke first (greeting, apology). */
  kind: 'speech' | 'dtmf' | 'agent';
  /** What the caller said (recognised so far) or the digits pressed. */
  userText: string;
  /** false while the recogniser may still change the words. */
  userFinal: boolean;
  agentText: string;
  agentFinal: boolean;
  /** The caller talked over the reply; agentText is what they heard. */
  interrupted: boolean;
  tools: ToolCall[];
  errors: { stage: string; code: string }[];
  timings?: TurnTimings;
  /** Internal: the caller's words of this entry are settled (the agent started on them). */
  committed: boolean;
  /** Internal: finals so far and the current interim of an entry still forming. */
  finals: string;
  interim: string;
}

export interface CallInfo {
  from?: string;
  to?: string;
  profile?: string;
  endReason?: string | null;
  startedAt?: string;
  endedAt?: string | null;
}

export interface AgentTimeline {
  activity?: AgentActivity;
  /** Tool most recently used while the agent is still thinking about the same turn. */
  activeTool?: string;
  call: CallInfo;
  turns: TurnEntry[];
  /** The stored record arrived (after the call): turns are final. */
  recorded: boolean;
}

const MAX_TURNS = 300;

export function emptyTimeline(): AgentTimeline {
  return { call: {}, turns: [], recorded: false };
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}#*]+/gu, ' ')
    .trim();
const join = (a: string, b: string) => [a, b].filter((s) => s.trim()).join(' ');
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

let keySeq = 0;
function newEntry(kind: TurnEntry['kind']): TurnEntry {
  return {
    key: `e${++keySeq}`,
    kind,
    userText: '',
    userFinal: true,
    agentText: '',
    agentFinal: true,
    interrupted: false,
    tools: [],
    errors: [],
    committed: false,
    finals: '',
    interim: '',
  };
}

/** Indexed turns in index order, entries still forming after them (stable otherwise). */
function ordered(turns: TurnEntry[]): TurnEntry[] {
  const sorted = turns
    .map((t, i) => ({ t, i }))
    .sort((a, b) => (a.t.index ?? Infinity) - (b.t.index ?? Infinity) || a.i - b.i)
    .map((x) => x.t);
  return sorted.slice(-MAX_TURNS);
}

function replaceEntry(s: AgentTimeline, entry: TurnEntry, next: TurnEntry): AgentTimeline {
  return { ...s, turns: s.turns.map((t) => (t === entry ? next : t)) };
}

function addEntry(s: AgentTimeline, entry: TurnEntry): AgentTimeline {
  return { ...s, turns: ordered([...s.turns, entry]) };
}

/** The caller's entry still forming: not yet reported by the agent, words not settled. */
const openSpeech = (s: AgentTimeline) =>
  s.turns.findLast((t) => t.index === undefined && t.kind === 'speech' && !t.committed);

/** The entry the agent is working on (tools, errors, streamed reply text). */
const working = (s: AgentTimeline) => s.turns.findLast((t) => t.index === undefined) ?? s.turns.at(-1);

function userTranscript(s: AgentTimeline, text: string, final: boolean): AgentTimeline {
  const open = openSpeech(s);
  if (!open) {
    // A repeat of words already in a turn (the turn's own final, or a late STT final of the same
    // words) is not new speech.
    const last = s.turns.findLast((t) => t.kind === 'speech');
    if (final && last && norm(last.userText) === norm(text)) return s;
    const entry = newEntry('speech');
    return addEntry(s, withWords(entry, final ? text : '', final ? '' : text));
  }
  if (!final) return replaceEntry(s, open, withWords(open, open.finals, text));
  // A final that repeats or extends what is already final (the whole turn's text) replaces it; a
  // final for the next stretch of speech is appended.
  const finals = norm(text).startsWith(norm(open.finals)) ? text : join(open.finals, text);
  return replaceEntry(s, open, withWords(open, finals, ''));
}

function withWords(e: TurnEntry, finals: string, interim: string): TurnEntry {
  return { ...e, finals, interim, userText: join(finals, interim), userFinal: interim === '' };
}

function agentTranscript(s: AgentTimeline, text: string, final: boolean): AgentTimeline {
  const lastDone = s.turns.findLast((t) => t.index !== undefined);
  // The reply as the turn record already told it.
  if (final && lastDone && norm(lastDone.agentText) === norm(text)) return s;
  const target =
    s.turns.findLast((t) => t.index === undefined) ?? (lastDone?.agentText ? undefined : lastDone);
  if (!target) return addEntry(s, { ...newEntry('agent'), agentText: text, agentFinal: final });
  return replaceEntry(s, target, { ...target, agentText: text, agentFinal: final, committed: true });
}

function dtmf(s: AgentTimeline, digit: string): AgentTimeline {
  const open = s.turns.findLast((t) => t.index === undefined && t.kind === 'dtmf' && !t.committed);
  if (open) return replaceEntry(s, open, { ...open, userText: open.userText + digit });
  return addEntry(s, { ...newEntry('dtmf'), userText: digit });
}

const DTMF_PREFIX = '[DTMF] ';

/** A turn as the agent recorded it: authoritative for its entry, however often it arrives. */
function turnRecord(s: AgentTimeline, turn: Record<string, unknown>): AgentTimeline {
  if (typeof turn.index !== 'number') return s;
  const userText = str(turn.userText);
  const kind: TurnEntry['kind'] = !userText ? 'agent' : userText.startsWith(DTMF_PREFIX) ? 'dtmf' : 'speech';
  const existing =
    s.turns.find((t) => t.index === turn.index) ??
    s.turns.find((t) => t.index === undefined && t.kind === kind);
  const base = existing ?? newEntry(kind);
  const timings: TurnTimings = {};
  const rawTimings = isObj(turn.timings) ? turn.timings : {};
  for (const k of TIMING_STAGES) if (typeof rawTimings[k] === 'number') timings[k] = rawTimings[k];
  const tools = Array.isArray(turn.toolCalls)
    ? turn.toolCalls.filter(isObj).map((c) => ({
        name: str(c.name),
        arguments: str(c.arguments),
        result: str(c.result),
      }))
    : [];
  const entry: TurnEntry = {
    ...base,
    index: turn.index,
    kind,
    userText: kind === 'dtmf' ? userText.slice(DTMF_PREFIX.length) : userText,
    userFinal: true,
    agentText: str(turn.agentText),
    agentFinal: true,
    interrupted: turn.interrupted === true,
    tools: tools.length ? tools : base.tools,
    timings,
    committed: true,
    interim: '',
  };
  const next = existing ? replaceEntry(s, existing, entry) : { ...s, turns: [...s.turns, entry] };
  return { ...next, turns: ordered(next.turns) };
}

function onState(s: AgentTimeline, state: unknown): AgentTimeline {
  if (state !== 'listening' && state !== 'thinking' && state !== 'speaking' && state !== 'ended') return s;
  const next: AgentTimeline = { ...s, activity: state };
  if (state !== 'thinking') delete next.activeTool;
  // The agent started on what the caller said: those words are settled.
  const open = openSpeech(s);
  if ((state === 'thinking' || state === 'speaking') && open?.finals)
    return replaceEntry(next, open, { ...withWords(open, open.finals, ''), committed: true });
  return next;
}

function onRecord(s: AgentTimeline, call: Record<string, unknown>): AgentTimeline {
  let next: AgentTimeline = {
    ...s,
    recorded: true,
    activity: 'ended',
    call: {
      ...s.call,
      endReason: typeof call.endReason === 'string' ? call.endReason : null,
      ...(typeof call.startedAt === 'string' ? { startedAt: call.startedAt } : {}),
      endedAt: typeof call.endedAt === 'string' ? call.endedAt : null,
    },
  };
  for (const t of Array.isArray(call.turns) ? call.turns : []) if (isObj(t)) next = turnRecord(next, t);
  return next;
}

/** One event in, the next timeline out. Unknown or malformed events return the same object. */
export function applyAgentEvent(s: AgentTimeline, event: unknown): AgentTimeline {
  if (!isObj(event)) return s;
  switch (event.type) {
    case 'state':
      return onState(s, event.state);
    case 'transcript':
      if (typeof event.text !== 'string' || !event.text.trim()) return s;
      if (event.role === 'user') return userTranscript(s, event.text, event.final === true);
      if (event.role === 'agent') return agentTranscript(s, event.text, event.final !== false);
      return s;
    case 'turn':
      return isObj(event.turn) ? turnRecord(s, event.turn) : s;
    case 'dtmf':
      return typeof event.digit === 'string' && /^[0-9A-D*#]$/i.test(event.digit) ? dtmf(s, event.digit) : s;
    case 'tool': {
      const target = working(s);
      const call = { name: str(event.name), arguments: str(event.arguments), result: str(event.result) };
      const next = { ...s, ...(s.activity === 'thinking' ? { activeTool: call.name } : {}) };
      if (!target) return addEntry(next, { ...newEntry('agent'), tools: [call] });
      return replaceEntry(next, target, { ...target, tools: [...target.tools, call] });
    }
    case 'error': {
      const err = { stage: str(event.stage), code: str(event.code) };
      const target = working(s);
      if (!target) return addEntry(s, { ...newEntry('agent'), errors: [err] });
      return replaceEntry(s, target, { ...target, errors: [...target.errors, err] });
    }
    case 'call':
      return isObj(event.call)
        ? {
            ...s,
            call: {
              ...s.call,
              from: str(event.call.from),
              to: str(event.call.to),
              profile: str(event.call.profile),
            },
          }
        : s;
    case 'record':
      return isObj(event.call) ? onRecord(s, event.call) : s;
    case 'end':
      return { ...s, activity: 'ended' };
    default:
      return s;
  }
}

/**
 * The bars of a turn's timeline, in ms after the caller stopped talking: end-of-turn decision, LLM
 * first token, TTS first byte back to back, then whatever else the voice-to-voice time held (text
 * buffering, transport). The STT delay overlaps the end-of-turn wait and is shown as a number only.
 */
export function latencySegments(t: TurnTimings): { stage: string; fromMs: number; toMs: number }[] {
  const out: { stage: string; fromMs: number; toMs: number }[] = [];
  let at = 0;
  const add = (stage: string, ms: number | undefined) => {
    if (ms === undefined || ms <= 0) return;
    out.push({ stage, fromMs: at, toMs: at + ms });
    at += ms;
  };
  add('end of turn', t.endOfUtteranceDelayMs);
  add('LLM', t.llmTtftMs);
  add('TTS', t.ttsTtfbMs);
  if (t.voiceToVoiceMs !== undefined && t.voiceToVoiceMs > at) add('other', t.voiceToVoiceMs - at);
  return out;
}
