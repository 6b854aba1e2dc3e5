/**
 * One answered call on FreeSWITCH, forked to the agent: the drachtio plumbing around the shared
 * CallController. Starts the fork with credentials, turns FreeSWITCH's events (fork connect, the
 * agent's transfer / sendDtmf / disconnect, DTMF, channel gone) and the caller's dialog (BYE, NOTIFY)
 * into controller events, and is its CallLeg: REFER on the caller's dialog, uuid_send_dtmf, teardown.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { CallEndReason } from '../../conversation/call-record.js';
import type { InboundMessage } from '../../fork/protocol.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { CallController, type CallLeg, type Teardown } from '../calls/call-controller.js';
import { callTimeouts, type CallTimeouts } from '../calls/call-timeouts.js';
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
import type { DialogLike, EndpointLike, SipRequestLike, SipResponseLike } from './types.js';

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
  timeouts?: Partial<CallTimeouts>;
  onEnded?: (reason: CallEndReason) => void;
}

function objectOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

export class AgentCall implements CallLeg {
  readonly control: CallController;
  private connectTimer: TimerHandle | undefined;
  private forkStarted = false;
  private notifyListener: ((req: SipRequestLike, res: SipResponseLike) => void) | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly o: AgentCallOptions) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.control = new CallController({
      callId: o.callId,
      profile: o.profile,
      router: o.router,
      leg: this,
      agent: { notify: (m) => this.notifyAgent(m) },
      clock: o.clock,
      log: o.log,
      ...(o.timeouts ? { timeouts: o.timeouts } : {}),
      onEnded: (reason) => {
        o.onEnded?.(reason);
        this.resolveDone();
      },
    });
    this.control.answered(); // FreeSWITCH answered the caller in connectCaller
  }

  /** Resolves when the call has been torn down. */
  get ended(): Promise<void> {
    return this.done;
  }

  get endReason(): CallEndReason | undefined {
    return this.control.endReason;
  }

  async start(): Promise<void> {
    const { endpoint: ep, dialog, log } = this.o;
    const c = this.control;
    dialog.on('destroy', () => void c.callerHungUp());
    ep.on('destroy', () => void c.end('media_lost'));
    ep.on('dtmf', (evt) => c.callerDtmf(evt.dtmf, dtmfDurationMs(evt.duration)));
    ep.addCustomEventListener(FORK_EVENTS.connect, () => this.onForkConnected());
    ep.addCustomEventListener(FORK_EVENTS.connectFailed, (body) => this.onForkFailed(body));
    ep.addCustomEventListener(FORK_EVENTS.disconnect, () => void c.agentHangup());
    ep.addCustomEventListener(FORK_EVENTS.transfer, (body) => {
      const target = objectOf(body).target;
      c.agentTransfer(typeof target === 'string' ? target : '');
    });
    ep.addCustomEventListener(FORK_EVENTS.json, (body) => {
      const data = objectOf(objectOf(body).data);
      if (data.action === 'sendDtmf') c.agentDtmf(typeof data.digits === 'string' ? data.digits : '');
    });
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
      const creds = this.o.forkCredentials;
      for (const args of basicAuthVarArgs(ep.uuid, creds.username, creds.password)) {
        const reply = await ep.api('uuid_setvar', args);
        if (!reply.startsWith('+OK')) throw new Error(`uuid_setvar failed: ${reply.slice(0, 80)}`);
      }
      if (c.state !== 'answered') return;
      await ep.forkAudioStart(start);
      this.forkStarted = true;
      log.info(
        { codec: codec.codec, sampleRate: start.sampling, profile: this.o.profile.name },
        'fork started',
      );
      this.connectTimer = this.o.clock.setTimeout(
        () => this.onForkFailed({ reason: 'no connect event' }),
        callTimeouts(this.o.timeouts).forkConnectMs,
      );
    } catch (err) {
      log.error({ err: (err as Error).message }, 'fork start failed');
      await c.end('fork_failed');
    }
  }

  /** End the call (drain, tests). */
  end(reason: CallEndReason): Promise<void> {
    return this.control.end(reason);
  }

  private onForkConnected(): void {
    if (this.connectTimer) this.o.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.control.agentConnected();
  }

  private onForkFailed(body: unknown): void {
    if (this.control.state !== 'answered') return;
    const reason = objectOf(body).reason;
    this.o.log.error({ reason: String(reason ?? 'unknown') }, 'agent unreachable: fork connect failed');
    void this.control.end('fork_failed');
  }

  /** A notice to the agent: mod_audio_fork's send_text, {type, data}. */
  private notifyAgent(msg: InboundMessage): void {
    const { type, ...data } = msg;
    this.o.endpoint.forkAudioSendText(BUGNAME, { type, data }).catch((err: Error) => {
      this.o.log.warn({ err: err.message, type }, 'fork send_text failed');
    });
  }

  // CallLeg: what the controller decided.

  refer(target: string): void {
    const { dialog, log } = this.o;
    if (!this.notifyListener) {
      this.notifyListener = (req, res) => {
        res.send(200);
        const event = (req.get('Event') ?? '').toLowerCase();
        if (event && !event.startsWith('refer')) return;
        this.control.referNotify(req.body ?? '', req.get('Subscription-State'));
      };
      dialog.on('notify', this.notifyListener);
    }
    log.info({ target }, 'sending REFER');
    // The callback form: a transferee's BYE that srf read in the same chunk as the 202 must not overtake it.
    dialog.request(
      { method: 'REFER', headers: { 'Refer-To': `<${target}>`, 'Referred-By': `<${this.o.localUri}>` } },
      (err, res) => {
        if (err || !res) this.control.referAnswered(500, err?.message ?? 'no response');
        else this.control.referAnswered(res.status, res.reason);
      },
    );
  }

  sendDtmf(digits: string): void {
    const ep = this.o.endpoint;
    ep.api('uuid_send_dtmf', sendDtmfArgs(ep.uuid, digits))
      .catch((e: Error) => e.message)
      .then((reply) => {
        if (!reply.startsWith('+OK')) this.o.log.warn({ reply: reply.slice(0, 80) }, 'uuid_send_dtmf failed');
      });
  }

  async release(t: Teardown): Promise<void> {
    if (this.connectTimer) this.o.clock.clearTimeout(this.connectTimer);
    const { endpoint: ep, dialog, log } = this.o;
    const quietly = async (what: string, p: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await p();
      } catch (err) {
        log.debug({ err: (err as Error).message, what }, 'teardown step failed');
      }
    };
    const channelUp = t.reason !== 'media_lost';
    if (t.tellAgent && this.forkStarted && channelUp) {
      await quietly('send_text', () =>
        ep.forkAudioSendText(BUGNAME, { type: 'hangup', data: { reason: t.reason } }),
      );
      // Stop with the bug name; never graceful-shutdown first (research §8: the socket leaks).
      await quietly('stop', () => ep.forkAudioStop(BUGNAME));
    }
    if (t.apologise && channelUp) await quietly('apology', () => ep.play(APOLOGY_TONE));
    if (t.byeCaller) await quietly('bye', () => dialog.destroy());
    if (channelUp) await quietly('destroy', () => ep.destroy());
    for (const name of Object.values(FORK_EVENTS))
      await quietly('unlisten', () => ep.removeCustomEventListener(name));
    if (this.notifyListener) dialog.removeListener('notify', this.notifyListener);
  }
}
