/** Writes results/latest.json, latest.md and latency-vs-concurrency.png from a BenchResults. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderLineChart, type Series } from './line-chart.js';
import type { BenchResults } from './results-types.js';
import type { Summary } from './stats.js';

const f = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
const pp = (s: Summary | undefined): string => (s && s.n ? `${f(s.p50)} / ${f(s.p95)}` : '–');

function headline(r: BenchResults): string[] {
  const d = r.density;
  const at50 = d?.steps.find((s) => s.calls === 50);
  const last = d?.steps.at(-1);
  const rows: [string, string, string][] = [
    [
      "Agent's own share of voice-to-voice, p95, sequential turns",
      `${f(r.turns?.agentShareMs.p95)} ms`,
      '≤ 20 ms',
    ],
    [
      "Agent's own share of voice-to-voice, p95, 50 concurrent calls",
      `${f(at50?.agentShareP95Ms)} ms`,
      '≤ 20 ms',
    ],
    [
      "Agent's own share, fork path alone (no SIP/RTP), p50 / p95",
      `${pp(r.fork?.agentShareMs)} ms`,
      '≤ 20 ms',
    ],
    [
      'Barge-in at the caller (onset → last agent audio), p50 / p95',
      `${pp(r.turns?.bargeInMs)} ms`,
      '≤ 150 ms + VAD onset',
    ],
    [
      'Barge-in reaction on the fork (speech in → killAudio out), p50 / p95',
      `${pp(r.fork?.bargeInReactionMs)} ms`,
      '≤ 150 ms + VAD onset',
    ],
    [
      'Concurrent calls held (all criteria) / per machine core',
      `${d?.maxCallsHeld ?? '–'} / ${f(d?.callsPerCore)}`,
      '≥ 25 per core',
    ],
    [
      'Calls per fully used agent core (calls ÷ agent CPU share, held step)',
      f(d?.callsPerAgentCore),
      '≥ 25 per core',
    ],
    [
      'Agent memory per call: peak RSS ÷ calls (upper bound) / marginal, largest step run',
      `${f(last?.rssPerCallMb, 2)} / ${f(last?.marginalRssPerCallMb, 2)} MB at ${last?.calls ?? '–'} calls`,
      '≤ 30 MB',
    ],
    [
      'INVITE → 200 OK, p50 / p95 (Kamailio static 200: ' + pp(r.setup?.reference?.setupMs) + ' ms)',
      `${pp(r.setup?.setupMs)} ms`,
      '',
    ],
    ['BYE → 200 OK, p50 / p95', `${pp(r.setup?.byeMs)} ms`, ''],
    [
      'Calls per second sipp holds (no failure, no retransmission), agent / Kamailio static 200',
      `${r.setup?.maxCallsPerSecond ?? '–'} / ${r.setup?.reference?.maxCallsPerSecond ?? '–'}`,
      '',
    ],
    ["Agent's RTP pacing error p99 at 50 calls", `${f(at50?.pacingErrorMs.p99, 2)} ms`, '≤ 5 ms'],
  ];
  return ['| measure | result | target |', '|---|---|---|', ...rows.map((x) => `| ${x.join(' | ')} |`)];
}

function stepTable(r: BenchResults): string[] {
  const out = [
    '| calls | held | v2v p50 | v2v p95 | own share p95 | pacing err p99 | RFC 3550 jitter p95 | lost / expected | setup p95 | CPU % agent / fakes / caller | agent peak RSS MB | RSS ÷ calls MB | marginal RSS per added call MB | floor v2v p95 | floor pacing p99 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of r.density?.steps ?? []) {
    const fl = r.floor?.steps.find((x) => x.calls === s.calls);
    out.push(
      `| ${s.calls} | ${s.held ? 'yes' : 'no'} | ${f(s.voiceToVoiceMs.p50)} | ${f(s.voiceToVoiceMs.p95)} | ${f(s.agentShareP95Ms)} | ${f(s.pacingErrorMs.p99, 2)} | ${f(s.jitterMs.p95, 2)} | ${s.packetsLost} / ${s.packetsExpected} | ${f(s.setupMs.p95)} | ${f(s.cpuPercent)} / ${f(s.otherCpuPercent['fakes'])} / ${f(s.otherCpuPercent['caller'])} | ${f(s.peakRssMb)} | ${f(s.rssPerCallMb, 2)} | ${f(s.marginalRssPerCallMb, 2)} | ${f(fl?.voiceToVoiceMs.p95, 2)} | ${f(fl?.pacingErrorMs.p99, 2)} |`,
    );
  }
  return out;
}

function floorTable(r: BenchResults): string[] {
  const out = [
    '| calls | v2v p50 | v2v p95 | pacing err p99 | RFC 3550 jitter p95 | lost / expected | caller tick late p99 | echo CPU % |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of r.floor?.steps ?? []) {
    out.push(
      `| ${s.calls} | ${f(s.voiceToVoiceMs.p50, 2)} | ${f(s.voiceToVoiceMs.p95, 2)} | ${f(s.pacingErrorMs.p99, 2)} | ${f(s.jitterMs.p95, 2)} | ${s.packetsLost} / ${s.packetsExpected} | ${f(s.callerTickLateMs.p99, 2)} | ${f(s.cpuPercent)} |`,
    );
  }
  return out;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const l = r.latencies;
  const lines = [
    `# Switchboard benchmark — ${r.date}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, Linux ${m.kernel}. Mode: ${r.mode} (${r.durationS} s). Telephony: ${r.telephony ?? 'embedded'}${r.forkLink ? `, fork link ${r.forkLink}` : ''}.`,
    `Load average at start ${r.loadAverage.start.map((x) => x.toFixed(2)).join(' ')}, at end ${r.loadAverage.end.map((x) => x.toFixed(2)).join(' ')}.`,
    `Injected provider latencies: endpointing ${l.endpointingMs} ms of silence, STT final ${l.sttFinalMs} ms after it, LLM first token ${l.llmFirstTokenMs} ms, TTS first byte ${l.ttsFirstByteMs} ms (sum ${l.endpointingMs + l.sttFinalMs + l.llmFirstTokenMs + l.ttsFirstByteMs} ms).`,
    `Tools: ${Object.entries(r.tools)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
    '## Headline',
    '',
    ...headline(r),
    '',
  ];
  if (r.turns) {
    const t = r.turns;
    lines.push(
      '## Sequential turns (one call at a time)',
      '',
      `${t.turns} turns over ${t.calls} calls. Voice-to-voice p50/p95 ${pp(t.voiceToVoiceMs)} ms; agent's own share p50/p95 ${pp(t.agentShareMs)} ms (min ${f(t.agentShareMs.min)}, max ${f(t.agentShareMs.max)}); barge-in p50/p95 ${pp(t.bargeInMs)} ms over ${t.bargeInMs.n} barge-ins (${t.bargeMissed} missed: reply already over). Failures: ${t.failures.length ? t.failures.join('; ') : 'none'}.`,
      '',
    );
    if (t.agentTimings) {
      const at = t.agentTimings;
      lines.push(
        'Inside the agent (its own per-turn records, p50 / p95 ms): end-of-utterance delay ' +
          `${pp(at['endOfUtteranceDelayMs'])}, STT delay ${pp(at['sttDelayMs'])}, LLM first token ${pp(at['llmTtftMs'])}, ` +
          `TTS first byte ${pp(at['ttsTtfbMs'])}, voice-to-voice (end of speech as the agent heard it → first audio frame to the media side) ${pp(at['voiceToVoiceMs'])}. ` +
          `The rest of the caller's voice-to-voice (p50 ${f(t.voiceToVoiceMs.p50 - (at['voiceToVoiceMs']?.p50 ?? NaN))} ms) is spent between the caller and the conversation: RTP in, jitter buffer, fork WebSocket both ways, playout and RTP out.`,
        '',
      );
    }
  }
  if (r.setup) lines.push(...setupSection(r.setup));
  if (r.density) {
    lines.push(
      '## Density',
      '',
      `Stopped: ${r.density.stopReason}. Baseline p95 (10 calls): ${f(r.density.baselineP95Ms)} ms.`,
      '',
    );
    lines.push(...stepTable(r), '');
    for (const s of r.density.steps)
      if (s.verdict.length) lines.push(`- ${s.calls} calls not held: ${s.verdict.join('; ')}`);
    lines.push('');
  }
  if (r.floor) lines.push('## Floor: bare Node UDP RTP echo, same caller', '', ...floorTable(r), '');
  if (r.fork) {
    lines.push(
      '## Fork path alone (no SIP/RTP)',
      '',
      `${r.fork.turns} turns: agent's own share p50/p95 ${pp(r.fork.agentShareMs)} ms; barge-in reaction (first caller speech frame in → killAudio out) p50/p95 ${pp(r.fork.bargeInReactionMs)} ms; VAD onset window ${f(r.fork.vadOnsetMs, 0)} ms. ${r.fork.note}`,
      '',
    );
  }
  lines.push(
    '## Peers (published; ../shared/research/voice-agents.md §2, §5, §6)',
    '',
    '| peer | figure |',
    '|---|---|',
    '| Pipecat | 500–800 ms voice-to-voice round trip; ~5 calls per core (one user measurement) |',
    '| Retell | "as low as 600 ms" end of user speech → agent starts |',
    '| LiveKit Agents | 4 cores / 8 GB per 25 sessions ≈ 6.25 sessions per core; load test ≈ 93 MB per session |',
    '',
    'Their figures include real STT/LLM/TTS; ours inject fixed fake latencies, so compare our *own share*, density and memory, not the total.',
    '',
  );
  if (r.notes.length) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

export function renderChart(r: BenchResults): Buffer | undefined {
  const calls = [
    ...new Set([...(r.density?.steps ?? []), ...(r.floor?.steps ?? [])].map((s) => s.calls)),
  ].sort((a, b) => a - b);
  if (calls.length === 0) return undefined;
  const at = (steps: { calls: number; voiceToVoiceMs: Summary }[] | undefined, k: 'p50' | 'p95') =>
    calls.map((c) => steps?.find((s) => s.calls === c)?.voiceToVoiceMs[k]);
  const series: Series[] = [];
  if (r.density) {
    series.push({ name: 'AGENT P50', color: [31, 119, 180], values: at(r.density.steps, 'p50') });
    series.push({ name: 'AGENT P95', color: [214, 39, 40], values: at(r.density.steps, 'p95') });
  }
  if (r.floor)
    series.push({
      name: 'NODE ECHO FLOOR P95',
      color: [110, 110, 110],
      values: at(r.floor.steps, 'p95'),
      dashed: true,
    });
  return renderLineChart({
    title: 'VOICE-TO-VOICE LATENCY VS CONCURRENT CALLS',
    xLabel: 'CONCURRENT CALLS',
    yLabel: 'MS (AT THE CALLER)',
    categories: calls.map(String),
    series,
  });
}

export function writeResults(dir: string, r: BenchResults): string[] {
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, 'latest.json'), join(dir, 'latest.md')];
  writeFileSync(written[0]!, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(written[1]!, renderMarkdown(r));
  const png = renderChart(r);
  if (png) {
    const p = join(dir, 'latency-vs-concurrency.png');
    writeFileSync(p, png);
    written.push(p);
  }
  return written;
}

function setupSection(setup: NonNullable<BenchResults['setup']>): string[] {
  const targets = [
    { name: 'agent', ...setup },
    ...(setup.reference ? [{ name: setup.reference.server, ...setup.reference }] : []),
  ];
  const lines = ['## Call setup', ''];
  for (const t of targets)
    lines.push(
      `${t.name}: ${t.calls} sequential calls, INVITE → 200 OK p50/p95 ${pp(t.setupMs)} ms, BYE → 200 OK p50/p95 ${pp(t.byeMs)} ms.`,
      '',
    );
  lines.push(
    "sipp's built-in `uac` scenario (INVITE, ACK, 1 s, BYE over UDP) at fixed rates; a rate is held when every call completes, nothing is retransmitted and (agent) every call reached the conversation engine (its /metrics). The same scenario runs against Kamailio answering every INVITE with a static 200 on the same box (`bench/kamailio-static.ts`). INVITE → 200 OK from sipp's `-trace_rtt` (whole milliseconds).",
    '',
    '| target | rate (calls/s) | calls | successful | failed | retransmissions | reached the agent | INVITE → 200 p50 / p95 ms | sipp exit |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const t of targets)
    for (const s of t.sipp)
      lines.push(
        `| ${t.name} | ${s.rate} | ${s.calls} | ${s.successful} | ${s.failed} | ${s.retransmissions} | ${s.reachedAgent ?? '–'} | ${pp(s.inviteToOkMs)} | ${s.exitCode} |`,
      );
  lines.push('');
  return lines;
}
