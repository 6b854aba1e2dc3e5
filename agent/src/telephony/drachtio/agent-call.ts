/**
 * One answered call on FreeSWITCH, forked to the agent: starts the fork with credentials, relays DTMF,
 * acts on the agent's transfer / sendDtmf / disconnect, and tears down on either side's hangup.
 */
import type { Clock, TimerHandle } from '../../audio/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import {
  APOLOGY_TONE,
  basicAuthVarArgs,
  BUGNAME,
  buildForkStart,
  dtmfDurationMs,
  FORK_EVENTS,
  negotiatedCodec,
  sendDtmfArgs,
} from './fork-commands.js';
import { isValidDtmf } from './sip-utils.js';
import { referTransfer } from './transfer.js';
import type { DialogLike, EndpointLike } from './types.js';

export type AgentCallState = 'starting' | 'active' | 'transferring' | 'ending' | 'ended';
export type EndReason =
  'caller_hangup' | 'agent_hangup' | 'fork_failed' | 'media_lost' | 'transferred' | 'shutdown';

const TRANSITIONS: Record<AgentCallState, AgentCallState[]> = {
  starting: ['active', 'ending'],
  active: ['transferring', 'ending'],
  transferring: ['active', 'ending'],
  ending: ['ended'],
  ended: [],
};

export interface AgentCallOptions {
  callId: string;
  from: string;
  to: string;
  /** Our URI for Referred-By (the Request-URI the caller dialled). */
  localUri: string;
  profile: AgentProfile;
  endpoint: EndpointLike;
  dialog: DialogLike;
  router: Router;
  forkUrl: string;
  forkCredentials: { username: string; password: string };
  clock: Clock;
  log: Logger;
  forkConnectTimeoutMs?: number;
  transferTimeoutMs?: number;
  onEnded?: (reason: EndReason) => void;
}

export class AgentCall {
  state: AgentCallState = 'starting';
  endReason: EndReason | undefined;
  private connectTimer: TimerHandle | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly o: AgentCallOptions) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Resolves when the call has been torn down. */
  get ended(): Promise<void> {
    return this.done;
  }

  private transition(to: AgentCallState): boolean {
    if (!TRANSITIONS[this.state].includes(to)) return false;
    this.o.log.debug({ from: this.state, to }, 'call state');
    this.state = to;
    return true;
  }

  async start(): Promise<void> {
    const { endpoint: ep, dialog, log } = this.o;
    dialog.on('destroy', () => void this.end('caller_hangup'));
    ep.on('destroy', () => void this.end('media_lost'));
    ep.on('dtmf', (evt) => this.onDtmf(evt.dtmf, evt.duration));
    ep.addCustomEventListener(FORK_EVENTS.connect, () => this.onForkConnected());
    ep.addCustomEventListener(FORK_EVENTS.connectFailed, (body) => void this.onForkFailed(body));
    ep.addCustomEventListener(FORK_EVENTS.disconnect, () => void this.end('agent_hangup'));
    ep.addCustomEventListener(FORK_EVENTS.transfer, (body) => void this.onTransfer(body));
    ep.addCustomEventListener(FORK_EVENTS.json, (body) => void this.onJson(body));
    try {
      const codec = negotiatedCodec(ep.local.sdp);
      const start = buildForkStart(this.o.forkUrl, {
        callId: this.o.callId,
        from: this.o.from,
        to: this.o.to,
        profile: this.o.profile.name,
        codec,
      });
      // Basic auth for the fork handshake: channel variables set before start (research §8).
      for (const args of basicAuthVarArgs(
        ep.uuid,
        this.o.forkCredentials.username,
        this.o.forkCredentials.password,
      )) {
        const reply = await ep.api('uuid_setvar', args);
        if (!reply.startsWith('+OK')) throw new Error(`uuid_setvar failed: ${reply.slice(0, 80)}`);
      }
      if (this.state !== 'starting') return;
      await ep.forkAudioStart(start);
      log.info(
        { codec: codec.codec, sampleRate: start.sampling, profile: this.o.profile.name },
        'fork started',
      );
      this.connectTimer = this.o.clock.setTimeout(
        () => void this.onForkFailed({ reason: 'no connect event' }),
        this.o.forkConnectTimeoutMs ?? 5000,
      );
    } catch (err) {
      log.error({ err: (err as Error).message }, 'fork start failed');
      await this.end('fork_failed');
    }
  }

  private onForkConnected(): void {
    if (this.connectTimer) this.o.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.transition('active');
  }

  private async onForkFailed(body: unknown): Promise<void> {
    if (this.state !== 'starting') return;
    const reason = typeof body === 'object' && body && 'reason' in body ? String(body.reason) : 'unknown';
    this.o.log.error({ reason }, 'agent unreachable: fork connect failed');
    await this.end('fork_failed');
  }

  private onDtmf(digit: string, duration: string | undefined): void {
    if (this.state !== 'active' && this.state !== 'transferring') return;
    const data: Record<string, unknown> = { digit };
    const ms = dtmfDurationMs(duration);
    if (ms !== undefined) data.duration = ms;
    this.sendText({ type: 'dtmf', data });
  }

  private sendText(msg: Record<string, unknown>): void {
    this.o.endpoint.forkAudioSendText(BUGNAME, msg).catch((err: Error) => {
      this.o.log.warn({ err: err.message, type: msg.type }, 'fork send_text failed');
    });
  }

  private async onTransfer(body: unknown): Promise<void> {
    const data = (typeof body === 'object' && body ? body : {}) as { target?: unknown };
    const target = typeof data.target === 'string' ? data.target : '';
    const allowed = target ? this.o.router.transferTarget(this.o.profile, target) : undefined;
    if (!allowed) {
      this.o.log.warn({ target }, 'transfer to a target outside the profile refused');
      this.sendText({ type: 'transferResult', data: { status: 403, reason: 'target not allowed' } });
      return;
    }
    if (!this.transition('transferring')) return;
    this.o.log.info({ target: allowed }, 'transferring caller (REFER)');
    const outcome = await referTransfer(
      this.o.dialog,
      allowed,
      this.o.localUri,
      this.o.clock,
      this.o.transferTimeoutMs,
    );
    if (this.state !== 'transferring') return;
    this.sendText({ type: 'transferResult', data: { status: outcome.status, reason: outcome.reason } });
    this.o.log.info({ status: outcome.status }, 'transfer outcome');
    if (outcome.status >= 200 && outcome.status < 300) await this.end('transferred');
    else this.transition('active');
  }

  private async onJson(body: unknown): Promise<void> {
    const msg = (typeof body === 'object' && body ? body : {}) as {
      data?: { action?: unknown; digits?: unknown };
    };
    const action = msg.data?.action;
    if (action !== 'sendDtmf') return;
    const digits = typeof msg.data?.digits === 'string' ? msg.data.digits : '';
    if (!isValidDtmf(digits)) {
      this.o.log.warn({ length: digits.length }, 'sendDtmf with invalid digits ignored');
      return;
    }
    const reply = await this.o.endpoint
      .api('uuid_send_dtmf', sendDtmfArgs(this.o.endpoint.uuid, digits))
      .catch((e: Error) => e.message);
    if (!reply.startsWith('+OK')) this.o.log.warn({ reply: reply.slice(0, 80) }, 'uuid_send_dtmf failed');
  }

  /** Tear the call down once; which side is told depends on who ended it. */
  async end(reason: EndReason): Promise<void> {
    if (this.state === 'ending' || this.state === 'ended') return;
    this.state = 'ending';
    this.endReason = reason;
    if (this.connectTimer) this.o.clock.clearTimeout(this.connectTimer);
    const { endpoint: ep, dialog, log } = this.o;
    log.info({ reason }, 'call ending');
    const quietly = async (what: string, p: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await p();
      } catch (err) {
        log.debug({ err: (err as Error).message, what }, 'teardown step failed');
      }
    };
    const forkOpen = reason === 'caller_hangup' || reason === 'transferred' || reason === 'shutdown';
    if (forkOpen) {
      await quietly('send_text', () => ep.forkAudioSendText(BUGNAME, { type: 'hangup', data: { reason } }));
      // Stop with the bug name; never graceful-shutdown first (research §8: the socket leaks).
      await quietly('stop', () => ep.forkAudioStop(BUGNAME));
    }
    if (reason === 'fork_failed') await quietly('apology', () => ep.play(APOLOGY_TONE));
    if (reason !== 'caller_hangup') await quietly('bye', () => dialog.destroy());
    if (reason !== 'media_lost') await quietly('destroy', () => ep.destroy());
    for (const name of Object.values(FORK_EVENTS))
      await quietly('unlisten', () => ep.removeCustomEventListener(name));
    this.state = 'ended';
    this.o.onEnded?.(reason);
    this.resolveDone();
  }
}
