/**
 * One event socket connection, inbound (a client connected to the ESL port and must authenticate)
 * or outbound (the `socket` dialplan app connected to the client for one channel; already
 * authenticated, waits for `connect`). The command handling follows mod_event_socket.c
 * parse_command(): same commands, same order of checks, same reply strings.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../../../../time/clock.js';
import type { Logger } from '../../../../../log.js';
import {
  AUTH_REQUEST,
  apiResponse,
  commandReply,
  disconnectNotice,
  EslCommandDecoder,
  eventFrame,
  GOODBYE,
  lingerNotice,
  rudeRejection,
  serializePlain,
  type EslCommand,
} from './esl-codec.js';
import { EventSubscription } from './event-subscription.js';
import type { FsEvent } from './fs-event.js';

/** The channel an outbound socket controls. */
export interface EslSession {
  readonly uuid: string;
  readonly channelName: string;
  /** CHANNEL_DATA: delivery headers, Channel-* profile, channel data and variables. */
  channelData(): FsEvent;
  getVariable(name: string): string | undefined;
}

/** What the listener needs from the rest of the fake FreeSWITCH. */
export interface EslHost {
  readonly secret: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Run an api command; resolves with the reply text (undefined: no reply ever, the process died). */
  api(command: string, args: string | undefined): Promise<string | undefined>;
  /** A sendmsg for a channel (queued to it like switch_core_session_queue_private_event); false: no such channel. */
  sendmsg(uuid: string, cmd: EslCommand): boolean;
  /** Fire an event to every listener (bgapi BACKGROUND_JOB, sendevent). */
  fire(event: FsEvent): void;
  newBackgroundJob(
    jobUuid: string,
    owner: string,
    command: string,
    args: string | undefined,
    reply: string,
  ): void;
  /** sendevent: fire a client-made event (Event-UUID added). */
  sendevent(name: string, eventUuid: string, cmd: EslCommand): void;
  hasChannel(uuid: string): boolean;
  newUuid(): string;
  onClosed(listener: EslListener): void;
}

export interface EslListenerOptions {
  /** Outbound socket: the channel it controls and the `socket` app flags. */
  session?: EslSession;
  async?: boolean;
  full?: boolean;
  /** Inbound: refuse this peer with text/rude-rejection (the event socket ACL). */
  rejected?: boolean;
  /** Outbound: how long to wait for `connect` (read_packet's 25 s). */
  connectTimeoutMs?: number;
  /** Outbound: the client sent `connect` (the socket app now parks the channel). */
  onConnected?(): void;
}

export class EslListener {
  readonly subscription = new EventSubscription();
  readonly commands: string[] = [];
  authed: boolean;
  connected = false;
  private running = true;
  private closed = false;
  private linger: { seconds: number } | undefined;
  private lingerTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private sessionDown = false;
  private readonly decoder = new EslCommandDecoder();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly host: EslHost,
    private readonly o: EslListenerOptions = {},
  ) {
    this.authed = o.session !== undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => host.log.debug({ err: err.message }, 'esl socket error'));
    socket.on('close', () => this.finish());
  }

  get session(): EslSession | undefined {
    return this.o.session;
  }

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  start(): void {
    if (this.o.rejected) {
      this.write(rudeRejection());
      this.close(true);
      return;
    }
    if (!this.o.session) {
      this.write(Buffer.from(AUTH_REQUEST));
      return;
    }
    this.connectTimer = this.host.clock.setTimeout(() => {
      this.host.log.warn({ uuid: this.o.session?.uuid }, 'esl outbound: no connect within the timeout');
      this.close(true);
    }, this.o.connectTimeoutMs ?? 25_000);
  }

  /** Deliver an event if this listener's subscription and filters want it. */
  deliver(event: FsEvent): void {
    if (this.closed || !this.running || !this.subscription.wants(event)) return;
    const format = this.subscription.format === 'json' ? 'json' : 'plain';
    this.write(eventFrame(event, format));
  }

  /** The controlled channel hung up: linger notice, or the disconnect notice and close. */
  sessionHungUp(): void {
    if (this.sessionDown || this.closed) return;
    this.sessionDown = true;
    const s = this.o.session!;
    if (this.linger) {
      this.write(lingerNotice(s.uuid, s.channelName, this.linger.seconds));
      if (this.linger.seconds >= 0)
        this.lingerTimer = this.host.clock.setTimeout(() => this.close(true), this.linger.seconds * 1000);
      return;
    }
    this.close(true);
  }

  /** End the connection; with `notice`, FreeSWITCH's goodbye first. Idempotent. */
  close(notice: boolean): void {
    if (this.closed) return;
    this.running = false;
    if (notice) this.write(disconnectNotice(GOODBYE, this.o.session?.uuid));
    this.socket.end();
    this.finish();
  }

  /** A crash: the socket just goes away. */
  destroy(): void {
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.running = false;
    if (this.lingerTimer) this.host.clock.clearTimeout(this.lingerTimer);
    if (this.connectTimer) this.host.clock.clearTimeout(this.connectTimer);
    if (!this.socket.destroyed) this.socket.destroySoon();
    this.host.onClosed(this);
  }

  private write(buf: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(buf);
  }

  private onData(chunk: Buffer): void {
    if (!this.running) return;
    const cmds = this.decoder.push(chunk);
    if (this.decoder.failed) {
      this.close(true);
      return;
    }
    for (const cmd of cmds) {
      this.queue = this.queue
        .then(() => this.process(cmd))
        .catch((err: Error) => {
          this.host.log.error({ err: err.message }, 'esl command failed');
        });
    }
  }

  private async process(cmd: EslCommand): Promise<void> {
    if (!this.running) return;
    this.commands.push(cmd.line.startsWith('auth ') ? 'auth [redacted]' : cmd.line);
    const reply = await this.parseCommand(cmd);
    if (reply === undefined) return;
    this.write(commandReply(reply === '' ? '-ERR command not found' : reply));
    if (!this.running) this.close(true);
  }

  /** parse_command(); undefined when the command wrote its own answer (api, bgapi, connect). */
  private async parseCommand(cmd: EslCommand): Promise<string | undefined> {
    const line = cmd.line;
    const lower = line.toLowerCase();
    if (lower.startsWith('exit') || line.startsWith('...')) {
      this.running = false;
      return '+OK bye';
    }
    if (!this.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.host.secret) {
          this.authed = true;
          return '+OK accepted';
        }
        this.running = false;
        return '-ERR invalid';
      }
      if (lower.startsWith('userauth ')) {
        this.running = false;
        return '-ERR invalid';
      }
      return '';
    }
    if (lower.startsWith('filter ')) return this.subscription.filter(line.slice(7));
    const session = this.o.session;
    if (session && lower.startsWith('resume')) return '+OK';
    if (session || lower.startsWith('myevents ')) {
      const r = this.sessionCommand(line, lower);
      if (r !== null) return r;
    }
    if (lower.startsWith('divert_events')) {
      if (!session) return '-ERR not controlling a session.';
      const v = line.slice(13).trim();
      if (!v) return '-ERR missing value.';
      return v.toLowerCase() === 'on' ? '+OK events diverted' : '+OK events not diverted';
    }
    if (lower.startsWith('sendmsg')) return this.sendmsg(cmd);
    if (session && !this.o.full) return '';
    if (lower.startsWith('sendevent')) return this.sendevent(cmd);
    if (lower.startsWith('api ')) {
      await this.api(line.slice(4));
      return undefined;
    }
    if (lower.startsWith('bgapi ')) return this.bgapi(cmd);
    if (lower.startsWith('log')) return logLevelReply(line.slice(3).trim().split(' ')[0] ?? '');
    if (lower.startsWith('linger')) return this.setLinger(line);
    if (lower.startsWith('nolinger')) {
      if (!session) return '-ERR not controlling a session';
      this.linger = undefined;
      return '+OK will not linger';
    }
    if (lower.startsWith('nolog')) return '-ERR not loging';
    if (lower.startsWith('event')) {
      const sp = line.indexOf(' ', 5);
      return sp < 0 ? '-ERR no keywords supplied' : this.subscription.event(line.slice(sp + 1));
    }
    if (lower.startsWith('nixevent')) {
      const sp = line.indexOf(' ', 8);
      return sp < 0 ? '-ERR no keywords supplied' : this.subscription.nixevent(line.slice(sp + 1));
    }
    if (lower.startsWith('noevents')) return this.subscription.noevents();
    return '';
  }

  /** connect / getvar / myevents; null when none of them. */
  private sessionCommand(line: string, lower: string): string | undefined | null {
    const session = this.o.session;
    if (lower.startsWith('connect') && session) {
      if (this.connectTimer) this.host.clock.clearTimeout(this.connectTimer);
      this.connected = true;
      const data = session.channelData();
      data.add('Content-Type', 'command/reply');
      data.add('Reply-Text', '+OK\n');
      data.add('Socket-Mode', this.o.async ? 'async' : 'static');
      data.add('Control', this.o.full ? 'full' : 'single-channel');
      this.write(Buffer.from(serializePlain(data), 'utf8'));
      this.o.onConnected?.();
      return undefined;
    }
    if (lower.startsWith('getvar') && session) {
      const sp = line.indexOf(' ');
      return sp < 0 ? '' : (session.getVariable(line.slice(sp + 1)) ?? '');
    }
    if (lower.startsWith('myevents')) {
      const rest = line.slice(8).trim().split(' ');
      let uuid = session?.uuid;
      if (!uuid) {
        uuid = rest[0];
        if (!uuid || !this.host.hasChannel(uuid)) {
          if (rest.length > 1) return '-ERR invalid uuid';
        }
      }
      const fmt = /json/i.test(line) ? 'json' : /xml/i.test(line) ? 'xml' : undefined;
      return this.subscription.myevents(uuid ?? '', fmt);
    }
    return null;
  }

  private sendmsg(cmd: EslCommand): string {
    let uuid = cmd.line.slice(7).trim();
    if (!uuid) uuid = cmd.headers.find(([n]) => n.toLowerCase() === 'session-id')?.[1] ?? '';
    if (!uuid && this.o.session) uuid = this.o.session.uuid;
    if (uuid && this.host.sendmsg(uuid, cmd)) return '+OK';
    return `-ERR invalid session id [${uuid || '(null)'}]`;
  }

  private sendevent(cmd: EslCommand): string {
    const uuid = this.host.newUuid();
    this.host.sendevent(cmd.line.slice(9).trim(), uuid, cmd);
    return `+OK ${uuid}`;
  }

  private async api(text: string): Promise<void> {
    const sp = text.indexOf(' ');
    const command = sp < 0 ? text : text.slice(0, sp);
    const args = sp < 0 ? undefined : text.slice(sp + 1);
    const reply = await this.host.api(command, args);
    if (reply !== undefined) this.write(apiResponse(reply));
  }

  private bgapi(cmd: EslCommand): undefined {
    const text = cmd.line.slice(6);
    const sp = text.indexOf(' ');
    const command = sp < 0 ? text : text.slice(0, sp);
    const args = sp < 0 ? undefined : text.slice(sp + 1);
    const job = cmd.headers.find(([n]) => n.toLowerCase() === 'job-uuid')?.[1] ?? this.host.newUuid();
    this.write(commandReply(`~Reply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`));
    const owner = this.o.session?.uuid ?? '';
    void this.host.api(command, args).then((reply) => {
      if (reply !== undefined)
        this.host.newBackgroundJob(job, owner, command, args, reply || 'Command returned no output!');
    });
    return undefined;
  }

  private setLinger(line: string): string {
    if (!this.o.session) return '-ERR not controlling a session';
    const n = line.charAt(6) === ' ' && line.length > 7 ? Number.parseInt(line.slice(7), 10) || 0 : -1;
    this.linger = { seconds: n };
    return n >= 0 ? `+OK will linger ${n} seconds` : '+OK will linger';
  }
}

const LOG_LEVELS: Record<string, number> = {
  console: 0,
  alert: 1,
  crit: 2,
  err: 3,
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

/** `log [level]`: switch_log_str2level accepts names and numbers 0-7; no level means debug. */
function logLevelReply(level: string): string {
  if (level === '') return '+OK log level  [7]';
  const n = /^[0-7]$/.test(level) ? Number(level) : LOG_LEVELS[level.toLowerCase()];
  return n === undefined ? '-ERR invalid log level' : `+OK log level ${level} [${n}]`;
}
