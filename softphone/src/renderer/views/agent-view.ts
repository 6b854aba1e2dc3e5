/**
 * The agent view: what the agent hears, thinks and says on one line, one entry per turn (keyed, so an
 * entry is updated in place as interim words firm up), with tools, DTMF, errors, interruptions and
 * each turn's latency stages on a small timeline bar; after the call, the stored record's summary.
 */
import { html, nothing, svg, type TemplateResult } from 'lit-html';
import { repeat } from 'lit-html/directives/repeat.js';
import type { AgentPanelState } from '../../core/agent-panel.js';
import { latencySegments, type TurnEntry, type TurnTimings } from '../../core/agent-timeline.js';
import { icon } from './icons.js';

export interface AgentViewModel {
  line: number;
  /** Who the call is with (the agent's number or name). */
  remote: string;
  state: AgentPanelState;
}

const STAGE_LABELS = [
  ['voiceToVoiceMs', 'Voice-to-voice'],
  ['endOfUtteranceDelayMs', 'End of turn'],
  ['sttDelayMs', 'STT'],
  ['llmTtftMs', 'LLM first token'],
  ['ttsTtfbMs', 'TTS first byte'],
] as const;

const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} ms`);

function stateLabel(p: AgentPanelState): { key: string; text: string } {
  const t = p.timeline;
  if (p.status === 'ended' || t.activity === 'ended') return { key: 'ended', text: 'Call ended' };
  if (p.status === 'unauthorized' || p.status === 'unreachable')
    return { key: 'problem', text: 'Not connected' };
  if (p.status === 'connecting') return { key: 'connecting', text: 'Connecting…' };
  if (t.activity === 'thinking' && t.activeTool)
    return { key: 'tool', text: `Using a tool: ${t.activeTool}` };
  const text = { listening: 'Listening', thinking: 'Thinking', speaking: 'Speaking' }[
    t.activity ?? 'listening'
  ];
  return { key: t.activity ?? 'listening', text };
}

/** Stage bar on a shared scale so turns compare at a glance. */
function latency(t: TurnTimings, scaleMs: number): TemplateResult | typeof nothing {
  if (t.voiceToVoiceMs === undefined && t.llmTtftMs === undefined && t.ttsTtfbMs === undefined)
    return nothing;
  const segs = latencySegments(t);
  const x = (v: number) => (v / scaleMs) * 1000;
  return html`<div class="latency" aria-label="Turn latency">
    <svg viewBox="0 0 1000 8" preserveAspectRatio="none" aria-hidden="true">
      ${segs.map(
        (s) =>
          svg`<rect class="seg-${s.stage.replace(/ /g, '-')}" x=${x(s.fromMs)} y="0" width=${Math.max(2, x(s.toMs - s.fromMs))} height="8"></rect>`,
      )}
    </svg>
    <p class="stages">
      ${STAGE_LABELS.filter(([k]) => t[k] !== undefined).map(
        ([k, label]) =>
          html`<span>${label} ${k === 'voiceToVoiceMs' ? html`<b>${ms(t[k])}</b>` : ms(t[k])}</span>`,
      )}
    </p>
  </div>`;
}

function userMessage(e: TurnEntry): TemplateResult | typeof nothing {
  if (e.kind === 'agent' || !e.userText) return nothing;
  if (e.kind === 'dtmf')
    return html`<p class="event dtmf">
      ${icon('keypad')} You pressed <code>${e.userText.split('').join(' ')}</code>
    </p>`;
  return html`<p class="msg user ${e.userFinal ? '' : 'interim'}">
    <span class="speaker">You</span><span class="words">${e.userText}</span>${
      e.userFinal ? nothing : html`<span class="sr-only"> (still listening)</span>`
    }
  </p>`;
}

function turnView(e: TurnEntry, scaleMs: number): TemplateResult {
  return html`<li class="turn" data-turn=${e.index ?? 'pending'}>
    ${userMessage(e)}
    ${e.tools.map(
      (t) =>
        html`<p class="event tool">
          ${icon('tool')} <span>${t.name}</span><code title=${t.arguments}>${t.arguments}</code>→<code
            title=${t.result}
            >${t.result}</code
          >
        </p>`,
    )}
    ${
      e.agentText
        ? html`<p class="msg agent">
            <span class="speaker">Agent</span><span class="words">${e.agentText}</span>${
              e.interrupted ? html`<span class="tag">Interrupted</span>` : nothing
            }
          </p>`
        : nothing
    }
    ${e.errors.map(
      (err) =>
        html`<p class="event error" role="note">
          ${icon('alert')} ${err.stage.toUpperCase()} error: ${err.code}
        </p>`,
    )}
    ${e.timings ? latency(e.timings, scaleMs) : nothing}
  </li>`;
}

function summary(p: AgentPanelState): TemplateResult | typeof nothing {
  const c = p.timeline.call;
  if (!p.timeline.recorded) return nothing;
  const turns = p.timeline.turns.filter((t) => t.index !== undefined);
  const v2v = turns.map((t) => t.timings?.voiceToVoiceMs).filter((v): v is number => v !== undefined);
  const avg = v2v.length ? Math.round(v2v.reduce((a, b) => a + b, 0) / v2v.length) : undefined;
  const secs =
    c.startedAt && c.endedAt
      ? Math.round((Date.parse(c.endedAt) - Date.parse(c.startedAt)) / 1000)
      : undefined;
  const parts = [
    `${turns.length} turns`,
    secs !== undefined ? `${secs} s` : '',
    avg !== undefined ? `voice-to-voice ${avg} ms on average` : '',
    c.endReason ? `ended: ${c.endReason.replace(/_/g, ' ')}` : '',
  ].filter(Boolean);
  return html`<p class="agent-summary">${`Call record: ${parts.join(', ')}.`}</p>`;
}

export function agentView(vm: AgentViewModel | undefined): TemplateResult | typeof nothing {
  if (!vm || vm.state.status === 'unavailable') return nothing;
  const p = vm.state;
  const label = stateLabel(p);
  const t = p.timeline;
  const scaleMs = Math.max(1000, ...t.turns.map((e) => e.timings?.voiceToVoiceMs ?? 0));
  const profile = t.call.profile ? ` · ${t.call.profile}` : '';
  return html`<section class="card agent-card" aria-labelledby="agent-h">
    <div class="card-head">
      <div class="agent-title">
        ${icon('bot')}
        <h2 id="agent-h">Agent</h2>
        <span class="muted">Line ${vm.line} · ${vm.remote}${profile}</span>
      </div>
      <span class="agent-state" data-state=${label.key} aria-live="polite"
        ><span class="dot"></span>${label.text}</span
      >
    </div>
    ${p.problem ? html`<p class="notice bad" role="alert">${p.problem}</p>` : nothing}
    ${
      t.turns.length === 0 && !p.problem
        ? html`<p class="muted">Waiting for the agent to speak…</p>`
        : nothing
    }
    <ol class="transcript" aria-label="Transcript">
      ${repeat(
        t.turns,
        (e) => e.key,
        (e) => turnView(e, scaleMs),
      )}
    </ol>
    ${
      t.turns.some((e) => e.timings)
        ? html`<p class="legend" aria-hidden="true">
            <span><i class="seg-end-of-turn"></i>End of turn</span><span><i class="seg-LLM"></i>LLM</span
            ><span><i class="seg-TTS"></i>TTS</span><span><i class="seg-other"></i>Other</span>
          </p>`
        : nothing
    }
    ${summary(p)}
  </section>`;
}
