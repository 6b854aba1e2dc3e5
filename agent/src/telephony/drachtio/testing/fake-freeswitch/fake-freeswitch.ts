/**
 * The fake FreeSWITCH process: event socket server, the drachtio_mrf SIP profile, channels with
 * media and mod_audio_fork, the event bus between them, HEARTBEAT, and the knobs and records tests
 * use. See index.ts for the public API.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { TimerHandle } from '../../../../audio/clock.js';
import { FrameTicker } from '../../../embedded/media/frame-ticker.js';
import { createPortAllocator, type PortAllocator } from '../../../embedded/media/port-allocator.js';
import { runApi, type ApiContext } from './api/api-router.js';
import { heartbeatEvent, type CoreStats } from './api/fs-status.js';
import { CAUSE_CODE, CAUSE_TO_SIP, FsChannel, type ChannelHost } from './channel/channel.js';
import { channelForInvite, runMrfDialplan } from './channel/dialplan.js';
import { commandHeader, type EslCommand } from './esl/esl-codec.js';
import { EslListener, type EslHost } from './esl/esl-listener.js';
import { nameEvent } from './esl/event-names.js';
import { FsEvent, newEvent, type FsCore } from './esl/fs-event.js';
import { ChannelMedia } from './media/channel-media.js';
import { resolveOptions, type FakeFreeswitchOptions, type ResolvedOptions } from './options.js';
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
  private heartbeatTimer: TimerHandle | undefined;
  private readonly startedAt: number;
  private sequence = 0;
  private sessionsSinceStartup = 0;
  private sessionPeak = 0;
  private createdAt: number[] = [];
  private spsPeak = 0;
  private stopped = false;
  private readonly waiters = new Set<() => void>();
  private readonly eslHost: EslHost;
  private readonly channelHost: ChannelHost;

  constructor(o: FakeFreeswitchOptions = {}) {
    const opts = resolveOptions(o);
    this.options = opts;
    this.startedAt = opts.clock.now();
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
      newBackgroundJob: (job, owner, command, args, reply) => {
        const e = newEvent(this.core, 'BACKGROUND_JOB');
        e.add('Job-UUID', job);
        e.add('Job-Owner-UUID', owner);
        e.add('Job-Command', command);
        if (args !== undefined) e.add('Job-Command-Arg', args);
        e.body = reply;
        this.fire(e);
      },
      sendevent: (name, eventUuid, cmd) => {
        const type = nameEvent(name) ?? 'CLONE';
        const e = new FsEvent(type, commandHeader(cmd, 'Event-Subclass'));
        for (const [n, v] of cmd.headers) if (n.toLowerCase() !== 'content-length') e.add(n, v);
        e.add('Event-UUID', eventUuid);
        if (cmd.body !== undefined) e.body = cmd.body;
        const prepared = newEvent(this.core, type, e.subclass);
        for (const [n, v] of e.headers) prepared.add(n, v);
        prepared.body = e.body;
        this.fire(prepared);
      },
      hasChannel: (uuid) => this.channels.has(uuid),
      newUuid: () => randomUUID(),
      onClosed: (l) => {
        this.listeners.delete(l);
        this.changed();
      },
    };
  }

  /** switch_ivr_parse_event for a queued sendmsg. */
  private sendmsg(uuid: string, cmd: EslCommand): boolean {
    const ch = this.channels.get(uuid);
    if (!ch || ch.hungUp) return false;
    const what = (commandHeader(cmd, 'call-command') ?? '').toLowerCase();
    if (what === 'execute') {
      const app = commandHeader(cmd, 'execute-app-name') ?? '';
      let arg = commandHeader(cmd, 'execute-app-arg');
      if (arg === undefined && /^text\/plain/i.test(commandHeader(cmd, 'content-type') ?? '')) arg = cmd.body;
      const loops = Math.max(1, Number.parseInt(commandHeader(cmd, 'loops') ?? '1', 10) || 1);
      for (let i = 0; i < loops; i++) ch.execute(app, arg ?? '', commandHeader(cmd, 'Event-UUID'));
    } else if (what === 'hangup') {
      ch.hangup(commandHeader(cmd, 'hangup-cause') ?? 'NORMAL_CLEARING', 'local');
    } else {
      this.options.log.warn({ what }, 'sendmsg call-command not modelled by the fake');
    }
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
    this.noteSession();
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

  /** The `socket` app: connect to the controlling app and hand the socket to an outbound listener. */
  private connectOutbound(ch: FsChannel, target: string): Promise<boolean> {
    const i = target.lastIndexOf(':');
    const host = i > 0 ? target.slice(0, i) : target;
    const port = i > 0 ? Number(target.slice(i + 1)) : 8084;
    return new Promise((resolve) => {
      if (this.crashed || this.stopped) return resolve(false);
      const sock = net.connect({ host, port });
      this.outboundSockets.add(sock);
      const timer = this.options.clock.setTimeout(() => sock.destroy(new Error('connect timeout')), 5000);
      sock.once('error', (err) => {
        this.options.clock.clearTimeout(timer);
        this.options.log.warn({ err: err.message, target }, 'socket app: connect failed');
        resolve(false);
      });
      sock.once('close', () => this.outboundSockets.delete(sock));
      sock.once('connect', () => {
        this.options.clock.clearTimeout(timer);
        if (ch.hungUp) {
          sock.destroy();
          return resolve(true);
        }
        const l = new EslListener(sock, this.eslHost, {
          session: ch,
          async: true,
          full: true,
          onConnected: () => {
            ch.state = 'CS_EXECUTE';
            ch.fire('CHANNEL_PARK');
          },
        });
        ch.outbound = l;
        this.listeners.add(l);
        l.start();
        resolve(true);
      });
    });
  }

  // ——— knobs, stats, lifecycle ———

  private noteSession(): void {
    const now = this.options.clock.now();
    this.sessionsSinceStartup++;
    this.sessionPeak = Math.max(this.sessionPeak, this.channels.size);
    this.createdAt = this.createdAt.filter((t) => now - t < 1000);
    this.createdAt.push(now);
    this.spsPeak = Math.max(this.spsPeak, this.createdAt.length);
  }

  stats(): CoreStats {
    const o = this.options;
    const now = o.clock.now();
    const sps = this.createdAt.filter((t) => now - t < 1000).length;
    return {
      version: o.version,
      uptimeMs: now - this.startedAt,
      sessionCount: this.channels.size,
      sessionsSinceStartup: this.sessionsSinceStartup,
      sessionPeak: this.sessionPeak,
      maxSessions: o.maxSessions,
      sps,
      spsLast: sps,
      spsPeak: this.spsPeak,
      maxSps: o.maxSessionsPerSecond,
      idleCpu: o.idleCpu,
    };
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
    this.sip.halt();
    for (const ch of this.channels.values()) ch.crash();
    this.channels.clear();
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
    // Let the BYEs and disconnect notices leave before the sockets close.
    await new Promise<void>((r) => setImmediate(r));
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
