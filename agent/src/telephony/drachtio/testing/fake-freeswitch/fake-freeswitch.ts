/**
 * The fake FreeSWITCH process: event socket server, the drachtio_mrf SIP profile, channels with
 * media and mod_audio_fork, the event bus between them, HEARTBEAT, and the knobs and records tests
 * use. See index.ts for the public API.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { TimerHandle } from '../../../../time/clock.js';
import { FrameTicker } from '../../../embedded/media/frame-ticker.js';
import { createPortAllocator, type PortAllocator } from '../../../embedded/media/port-allocator.js';
import { runApi, type ApiContext } from './api/api-router.js';
import { heartbeatEvent, type CoreStats } from './api/fs-status.js';
import { CAUSE_CODE, CAUSE_TO_SIP, FsChannel, type ChannelHost } from './channel/channel.js';
import { channelForInvite, runMrfDialplan } from './channel/dialplan.js';
import { socketApp } from './channel/socket-app.js';
import { parsePrivateEvent } from './channel/private-event.js';
import { backgroundJobEvent, clientEvent } from './esl/client-events.js';
import type { EslCommand } from './esl/esl-codec.js';
import { EslListener, type EslHost } from './esl/esl-listener.js';
import type { FsCore, FsEvent } from './esl/fs-event.js';
import type { AudioForkBug } from './fork/audio-fork-bug.js';
import { ChannelMedia } from './media/channel-media.js';
import { resolveOptions, type FakeFreeswitchOptions, type ResolvedOptions } from './options.js';
import { SessionStats } from './session-stats.js';
import { pushBounded, type ApiRecord, type ChannelRecord, type Fault, type InviteRecord } from './records.js';
import { SipProfile, type SipLegImpl } from './sip/sip-profile.js';

export class FakeFreeswitch {
  readonly options: ResolvedOptions;
  readonly core: FsCore;
  /** Live channels by uuid. */
  readonly channels = new Map<string, FsChannel>();
  /** Every channel ever created, in order (records stay after hangup). */
  readonly calls: ChannelRecord[] = [];
  readonly invites: InviteRecord[] = [];
  readonly apiLog: ApiRecord[] = [];
  readonly faults: Fault[] = [];
  readonly listeners = new Set<EslListener>();
  shuttingDown = false;
  crashed: Fault | undefined;
  private readonly server: net.Server;
  private readonly sip: SipProfile;
  private readonly ports: PortAllocator;
  private readonly ticker: FrameTicker;
  private readonly outboundSockets = new Set<net.Socket>();
  /** Forks whose socket may still be open (graceful-shutdown ones never close by themselves). */
  private readonly forkBugs = new Set<AudioForkBug>();
  private heartbeatTimer: TimerHandle | undefined;
  private readonly sessionStats: SessionStats;
  private sequence = 0;
  private stopped = false;
  private readonly waiters = new Set<() => void>();
  private readonly eslHost: EslHost;
  private readonly channelHost: ChannelHost;

  constructor(o: FakeFreeswitchOptions = {}) {
    const opts = resolveOptions(o);
    this.options = opts;
    this.sessionStats = new SessionStats(opts.clock.now());
    this.core = {
      coreUuid: randomUUID(),
      hostname: opts.hostname,
      ipv4: opts.address,
      ipv6: '::1',
      nextSequence: () => ++this.sequence,
    };
    this.eslHost = this.makeEslHost();
    this.channelHost = {
      core: this.core,
      clock: opts.clock,
      log: opts.log,
      fire: (e) => this.fire(e),
      onGone: (ch) => {
        this.channels.delete(ch.uuid);
        this.changed();
      },
    };
    this.ports = createPortAllocator(opts.rtpPorts);
    this.ticker = opts.ticker ?? new FrameTicker(opts.clock);
    this.server = net.createServer((s) => this.onEslConnection(s));
    this.sip = new SipProfile({
      host: opts.address,
      port: opts.sipPort,
      advertisedHost: opts.address,
      userAgent: `FreeSWITCH-mod_sofia/${opts.version}`,
      clock: opts.clock,
      log: opts.log,
      ...(opts.sipTimers ? { timers: opts.sipTimers } : {}),
      onInvite: (leg) => this.onInvite(leg),
    });
  }

  async start(): Promise<void> {
    await this.sip.start();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.eslPort, this.options.address, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.scheduleHeartbeat();
  }

  get eslPort(): number {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  get sipPort(): number {
    return this.sip.port;
  }

  /** sip:mod_sofia@address:port, as `sofia status` shows it. */
  get profileUrl(): string {
    return `sip:mod_sofia@${this.options.address}:${this.sipPort}`;
  }

  // ——— event bus ———

  fire(event: FsEvent): void {
    if (this.crashed) return;
    for (const l of this.listeners) l.deliver(event);
    this.changed();
  }

  // ——— ESL ———

  private onEslConnection(socket: net.Socket): void {
    if (this.crashed || this.stopped) {
      socket.destroy();
      return;
    }
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const allowed = this.options.eslAllow ? this.options.eslAllow(ip) : true;
    const l = new EslListener(socket, this.eslHost, { rejected: !allowed });
    this.listeners.add(l);
    l.start();
  }

  private makeEslHost(): EslHost {
    return {
      secret: this.options.secret,
      clock: this.options.clock,
      log: this.options.log,
      api: async (command, args) => runApi(this.apiContext, this.apiLog, command, args),
      sendmsg: (uuid, cmd) => this.sendmsg(uuid, cmd),
      fire: (e) => this.fire(e),
      newBackgroundJob: (job, owner, command, args, reply) =>
        this.fire(backgroundJobEvent(this.core, job, owner, command, args, reply)),
      sendevent: (name, eventUuid, cmd) => this.fire(clientEvent(this.core, name, eventUuid, cmd)),
      hasChannel: (uuid) => this.channels.has(uuid),
      newUuid: () => randomUUID(),
      onClosed: (l) => {
        this.listeners.delete(l);
        this.changed();
      },
    };
  }

  /** sendmsg: queued to the channel (switch_core_session_queue_private_event). */
  private sendmsg(uuid: string, cmd: EslCommand): boolean {
    const ch = this.channels.get(uuid);
    if (!ch || ch.hungUp) return false;
    parsePrivateEvent(ch, cmd);
    return true;
  }

  private get apiContext(): ApiContext {
    const o = this.options;
    return {
      core: this.core,
      log: o.log,
      subprotocol: o.forkSubprotocol,
      bufferSecs: o.forkBufferSecs,
      connectTimeoutMs: o.forkConnectTimeoutMs,
      crashUrlLength: o.crashUrlLength,
      now: () => o.clock.now(),
      channel: (uuid) => this.channels.get(uuid),
      channels: () => this.channels.values(),
      profiles: () => [{ name: o.profile, url: this.profileUrl, inuse: this.channels.size }],
      stats: () => this.stats(),
      fault: (reason, crash) => this.fault(reason, crash),
      track: (bug) => {
        for (const b of this.forkBugs)
          if (['failed', 'dropped', 'closed'].includes(b.record.state)) this.forkBugs.delete(b);
        this.forkBugs.add(bug);
      },
    };
  }

  // ——— SIP / channels ———

  private onInvite(leg: SipLegImpl): void {
    const o = this.options;
    const record = (status: number, reason: string) =>
      pushBounded(this.invites, { callId: leg.callId, status, reason, at: o.clock.now() });
    if (this.shuttingDown || this.channels.size >= o.maxSessions) {
      leg.reject(503, 'Maximum Calls In Progress', [['Retry-After', '300']]);
      record(503, 'Maximum Calls In Progress');
      this.changed();
      return;
    }
    const ch = channelForInvite(this.channelHost, leg, o.profile, this.sipPort);
    ch.leg = {
      bye: (cause) => void leg.bye(q850(cause)),
      reject: (cause) => {
        const status = CAUSE_TO_SIP[cause] ?? 480;
        leg.reject(status, reasonPhrase(status), [['Reason', q850(cause)]]);
      },
    };
    ch.record.userAgent = ch.getVariable('sip_user_agent');
    ch.record.eslOutbound = ch.getVariable('sip_h_X-esl-outbound');
    this.channels.set(ch.uuid, ch);
    pushBounded(this.calls, ch.record);
    this.sessionStats.note(o.clock.now(), this.channels.size);
    ch.fire('CHANNEL_CREATE');
    ch.setCallState('RINGING');
    void runMrfDialplan(ch, leg, {
      profile: o.profile,
      codecs: o.codecs,
      mediaAddress: o.address,
      openMedia: (channel, audio) => this.openMedia(channel, audio),
      connectOutbound: (channel, target) => this.connectOutbound(channel, target),
    })
      .catch((err: Error) => {
        o.log.error({ err: err.message }, 'fake FreeSWITCH dialplan failed');
        ch.hangup('NORMAL_TEMPORARY_FAILURE', 'local');
      })
      .finally(() => {
        if (leg.finalStatus !== undefined) {
          ch.record.inviteStatus = leg.finalStatus;
          record(leg.finalStatus, leg.finalReason);
        }
        ch.record.codec = ch.codec?.name;
        this.changed();
      });
  }

  private openMedia(ch: FsChannel, audio: Parameters<typeof ChannelMedia.open>[1]): Promise<ChannelMedia> {
    const o = this.options;
    return ChannelMedia.open(
      {
        bindAddress: o.address,
        ports: this.ports,
        clock: o.clock,
        ticker: this.ticker,
        log: o.log,
        recordHeardMs: o.recordHeardMs,
        onDtmf: (digit, duration) => ch.dtmfIn(digit, duration),
        bugs: () => ch.bugs.values(),
        afterTick: () => ch.syncMediaRecord(),
      },
      audio,
    );
  }

  /** The `socket` app towards the controlling app (nothing once the fake is down). */
  private connectOutbound(ch: FsChannel, target: string): Promise<boolean> {
    if (this.crashed || this.stopped) return Promise.resolve(false);
    return socketApp(ch, target, {
      clock: this.options.clock,
      log: this.options.log,
      host: this.eslHost,
      sockets: this.outboundSockets,
      onListener: (l) => this.listeners.add(l),
    });
  }

  // ——— knobs, stats, lifecycle ———

  stats(): CoreStats {
    return this.sessionStats.snapshot(this.options.clock.now(), this.channels.size, this.options);
  }

  /** Send a HEARTBEAT now (besides the periodic ones). */
  emitHeartbeat(): void {
    this.fire(heartbeatEvent(this.core, this.stats()));
  }

  private scheduleHeartbeat(): void {
    const ms = this.options.heartbeatIntervalMs;
    if (ms <= 0 || this.stopped || this.crashed) return;
    this.heartbeatTimer = this.options.clock.setTimeout(() => {
      this.emitHeartbeat();
      this.scheduleHeartbeat();
    }, ms);
  }

  private fault(reason: string, crash: boolean): void {
    const f: Fault = { reason, crash, at: this.options.clock.now() };
    pushBounded(this.faults, f);
    this.options.log.error({ reason, crash }, 'fake FreeSWITCH: the real FreeSWITCH would misbehave here');
    if (crash) this.crash(reason);
    this.changed();
  }

  /** Simulate the process dying (segfault, SIGKILL): every socket just closes, nothing is answered. */
  crash(reason = 'killed'): void {
    if (this.crashed || this.stopped) return;
    this.crashed = { reason, crash: true, at: this.options.clock.now() };
    if (this.heartbeatTimer) this.options.clock.clearTimeout(this.heartbeatTimer);
    // A dead process frees its ports at once: SIP stops answering and its socket closes.
    void this.sip.stop();
    for (const ch of this.channels.values()) ch.crash();
    this.channels.clear();
    for (const bug of this.forkBugs) bug.destroy();
    this.forkBugs.clear();
    for (const l of [...this.listeners]) l.destroy();
    for (const s of this.outboundSockets) s.destroy();
    this.server.close();
    this.changed();
  }

  /** Resolve when `predicate` holds (checked on every state change and every 50 ms). */
  waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        done();
        resolve();
      };
      const poll = setInterval(check, 50);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake FreeSWITCH: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  private changed(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Stop for good: channels hung up (SYSTEM_SHUTDOWN, BYE sent), sockets closed, timers cleared. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const wasCrashed = this.crashed !== undefined;
    this.stopped = true;
    if (this.heartbeatTimer) this.options.clock.clearTimeout(this.heartbeatTimer);
    if (!wasCrashed) for (const ch of [...this.channels.values()]) ch.hangup('SYSTEM_SHUTDOWN', 'local');
    for (const l of [...this.listeners]) l.close(!wasCrashed);
    for (const s of this.outboundSockets) s.destroy();
    await new Promise<void>((r) => (this.server.listening ? this.server.close(() => r()) : r()));
    // Let the BYEs, close frames and disconnect notices leave before the sockets close.
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
    for (const bug of this.forkBugs) bug.destroy();
    this.forkBugs.clear();
    await this.sip.stop();
    for (const w of [...this.waiters]) w();
  }
}

function q850(cause: string): string {
  return `Q.850;cause=${CAUSE_CODE[cause] ?? 16};text="${cause}"`;
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    404: 'Not Found',
    480: 'Temporarily Unavailable',
    487: 'Request Terminated',
    488: 'Not Acceptable Here',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Server Time-out',
  };
  return phrases[status] ?? 'Unknown';
}
