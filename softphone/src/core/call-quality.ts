/** Call quality (jitter, loss, round trip) from a WebRTC getStats() report, and a poller for a live call. */
import type { PeerConnectionLike } from './sip-port.js';
import type { PhoneTimer } from './timer.js';
import type { CallQuality } from './types.js';

type Report = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function qualityFromStats(reports: Iterable<Report>): CallQuality {
  const byId = new Map<string, Report>();
  const list = [...reports];
  for (const r of list) if (typeof r.id === 'string') byId.set(r.id, r);
  const q: CallQuality = {};
  for (const r of list) {
    if (r.type === 'inbound-rtp' && (r.kind ?? r.mediaType) === 'audio') {
      const jitter = num(r.jitter);
      if (jitter !== undefined) q.jitterMs = Math.round(jitter * 10_000) / 10;
      const received = num(r.packetsReceived) ?? 0;
      const lost = Math.max(0, num(r.packetsLost) ?? 0);
      q.packetsReceived = received;
      if (received + lost > 0) q.packetLossPct = Math.round((lost / (received + lost)) * 1000) / 10;
      const codec = typeof r.codecId === 'string' ? byId.get(r.codecId) : undefined;
      if (typeof codec?.mimeType === 'string') q.codec = codec.mimeType.replace(/^audio\//i, '');
    } else if (r.type === 'remote-inbound-rtp' && (r.kind ?? r.mediaType) === 'audio') {
      const rtt = num(r.roundTripTime);
      if (rtt !== undefined) q.rttMs = Math.round(rtt * 1000);
    }
  }
  if (q.rttMs === undefined) {
    for (const r of list) {
      const rtt = num(r.currentRoundTripTime);
      if (r.type === 'candidate-pair' && r.nominated === true && rtt !== undefined)
        q.rttMs = Math.round(rtt * 1000);
    }
  }
  return q;
}

/** Polls getStats every `intervalMs` until stopped; a failing getStats is skipped, not fatal. */
export class QualityPoller {
  private handle: unknown;
  private stopped = false;

  constructor(
    private readonly pc: () => PeerConnectionLike | undefined,
    private readonly timer: PhoneTimer,
    private readonly onQuality: (q: CallQuality) => void,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.timer.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** One sample now (also used by tests). */
  async sample(): Promise<CallQuality | undefined> {
    const pc = this.pc();
    if (!pc) return undefined;
    try {
      const stats = await pc.getStats();
      const reports: Report[] = [];
      stats.forEach((r) => reports.push(r));
      const q = qualityFromStats(reports);
      if (!this.stopped) this.onQuality(q);
      return q;
    } catch {
      return undefined;
    }
  }

  private schedule(): void {
    this.handle = this.timer.setTimeout(() => {
      if (this.stopped) return;
      void this.sample().finally(() => {
        if (!this.stopped) this.schedule();
      });
    }, this.intervalMs);
  }
}
