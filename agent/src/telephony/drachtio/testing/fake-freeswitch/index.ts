/**
 * TEST-ONLY: a wire-faithful fake FreeSWITCH in the media-server role (drachtio-freeswitch-mrf with
 * jambonz mod_audio_fork 1.2.33), for running the REAL drachtio-fsmrf 4.1.2 / drachtio-modesl 1.3.1
 * against it. Behaviour follows FreeSWITCH's and the module's C source and what was measured on the
 * real thing (research/drachtio-freeswitch.md §1, §4.2, §8, §9), defects included.
 *
 *   const fs = await startFakeFreeswitch({ secret: 'ClueCon' });
 *   const ms = await new Mrf(srf).connect({ address: fs.address, port: fs.eslPort, secret: fs.secret });
 *
 * What it speaks
 * - Event socket (inbound) on `address:eslPort`: auth/request → `auth <secret>` (wrong secret:
 *   "-ERR invalid", disconnect notice, close; a peer refused by `eslAllow` gets text/rude-rejection,
 *   which fsmrf reports as 'acl-error'), event/nixevent/noevents/filter/myevents, api, bgapi
 *   (BACKGROUND_JOB), sendmsg, sendevent, linger, exit; events as text/event-plain (URL-encoded) or
 *   text/event-json; HEARTBEAT every `heartbeatIntervalMs` (Max-Sessions, Session-Count,
 *   Session-Per-Sec, Idle-CPU, FreeSWITCH-Version …).
 * - API: `sofia status` (the line fsmrf's regex reads: sip:mod_sofia@address:sipPort), status,
 *   version, uuid_audio_fork, uuid_setvar/getvar, uuid_send_dtmf, uuid_kill, uuid_break, uuid_dump,
 *   uuid_exists, uuid_set_media_stats, hupall; anything else "-ERR <cmd> Command not found!".
 * - SIP profile `drachtio_mrf` on UDP `address:sipPort` (the embedded gateway's SIP stack): the mrf
 *   dialplan — User-Agent must be "drachtio-fsmrf:<uuid>" (else 404), answer with greedy codec choice
 *   over `codecs` + telephone-event (no common codec → 488; no SDP → 3PCC offer, answer in the ACK),
 *   then `socket <X-esl-outbound> async full`: an outbound ESL connection to the app, CHANNEL_DATA
 *   (Channel-Unique-ID, variable_rtp_local_sdp_str, variable_switch_r_sdp, variable_sip_call_id …) in
 *   reply to `connect`. BYE both ways (FreeSWITCH's BYE carries Reason: Q.850), CANCEL, re-INVITE,
 *   INFO DTMF. While shutting down (`setShuttingDown()`) or at `maxSessions`, INVITEs get
 *   "503 Maximum Calls In Progress" but the event socket stays up (real FreeSWITCH's 15–20 s SIGTERM drain).
 * - Media: RTP (G.711, RFC 4733 both ways) on the embedded gateway's RtpSession; received DTMF →
 *   DTMF event (DTMF-Duration in 8 kHz units, DTMF-Source RTP); `playback` of tone_stream:// and
 *   silence_stream:// (no sound files: anything else is FILE NOT FOUND).
 * - mod_audio_fork: argument parsing as the module does it (^^| form, quotes, 10 tokens, a trailing
 *   empty field dropped), +OK before connecting, connect_failed {"reason":"Unable to connect"} later;
 *   handshake with Host without port and lower-case `authorization: Basic` only when
 *   MOD_AUDIO_BASIC_AUTH_USERNAME/PASSWORD are set; metadata first, then one binary L16 frame per
 *   20 ms; server messages raise mod_audio_fork::connect / connect_failed / disconnect / transfer /
 *   json / kill_audio / error / transcription / play_audio / buffer_overrun CUSTOM events; streamed
 *   audio plays only with all three bidirectional fields, prebuffered and paced at real time,
 *   resampled to the codec rate; killAudio flushes within a frame and reports pending marks
 *   "cleared"; marks are in-band sentinels (a -1 sample pops one; after a killAudio cleared one,
 *   later marks are lost); graceful-shutdown sends zero-length frames and then never closes; hangup
 *   closes the socket with 1000 and no final frame.
 * - Where the real FreeSWITCH would crash (a fork URL of `crashUrlLength` characters or more, a start
 *   without a sample rate, playAudio without audioContentType) the fake "crashes" too: every socket
 *   closes without notice and it answers nothing more; `faults` and `crashed` say why, and the error
 *   is logged. Undefined behaviour of the module (a bad URI, metadata ≥ 8 KiB) answers -ERR and is
 *   recorded in `faults`.
 *
 * Ports are 0 (any free port) by default; `stop()` clears every timer and closes every socket.
 */
import type { Pcm16 } from '../../../../audio/pcm.js';
import type { FsChannel } from './channel/channel.js';
import { FakeFreeswitch } from './fake-freeswitch.js';
import type { FakeFreeswitchOptions } from './options.js';
import type { ApiRecord, ChannelRecord, Fault, ForkRecord, InviteRecord } from './records.js';

export type { FakeFreeswitchOptions } from './options.js';
export { FakeFreeswitchOptionError } from './options.js';
export type { ApiRecord, ChannelRecord, Fault, ForkRecord, InviteRecord } from './records.js';

export interface FakeFreeswitchHandle {
  /** Address everything listens on (ESL, SIP, RTP). */
  readonly address: string;
  readonly eslPort: number;
  readonly sipPort: number;
  readonly secret: string;
  /** sip:mod_sofia@address:sipPort — what `sofia status` reports for the profile. */
  readonly profileUrl: string;
  /** Live channels by FreeSWITCH uuid. */
  readonly channels: ReadonlyMap<string, FsChannel>;
  /** Every channel ever created, live or ended (SIP Call-ID, codec, apps run, DTMF, forks, hangup). */
  readonly calls: readonly ChannelRecord[];
  /** Final answer to every INVITE (200, 404, 488, 503 …). */
  readonly invites: readonly InviteRecord[];
  /** Every api command and its reply. */
  readonly apiLog: readonly ApiRecord[];
  /** Places where the real FreeSWITCH would have misbehaved or crashed. */
  readonly faults: readonly Fault[];
  /** Set once the fake "crashed" (crash() or a crashing input). */
  readonly crashed: Fault | undefined;
  /** Open event socket connections (inbound and outbound). */
  readonly eslConnections: number;
  /** The SIGTERM drain: INVITEs refused with 503, ESL stays up, live calls continue. */
  setShuttingDown(on?: boolean): void;
  /** Send a HEARTBEAT now. */
  emitHeartbeat(): void;
  /** The process dies: sockets close without notice, calls vanish without BYE. */
  crash(reason?: string): void;
  /** The channel record for a SIP Call-ID of fsmrf's INVITE (the FreeSWITCH leg). */
  callByCallId(callId: string): ChannelRecord | undefined;
  /** Every fork (uuid_audio_fork start) on every call, in order. */
  forks(): ForkRecord[];
  /** What the caller of a live channel heard so far (8 kHz PCM of non-silent frames). */
  heardPcm(uuid: string): Pcm16 | undefined;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakeFreeswitch(
  options: FakeFreeswitchOptions = {},
): Promise<FakeFreeswitchHandle> {
  const fs = new FakeFreeswitch(options);
  await fs.start();
  return {
    address: fs.options.address,
    eslPort: fs.eslPort,
    sipPort: fs.sipPort,
    secret: fs.options.secret,
    profileUrl: fs.profileUrl,
    channels: fs.channels,
    calls: fs.calls,
    invites: fs.invites,
    apiLog: fs.apiLog,
    faults: fs.faults,
    get crashed() {
      return fs.crashed;
    },
    get eslConnections() {
      return fs.listeners.size;
    },
    setShuttingDown: (on = true) => {
      fs.shuttingDown = on;
    },
    emitHeartbeat: () => fs.emitHeartbeat(),
    crash: (reason) => fs.crash(reason),
    callByCallId: (callId) => fs.calls.find((c) => c.callId === callId),
    forks: () => fs.calls.flatMap((c) => c.forks),
    heardPcm: (uuid) => fs.channels.get(uuid)?.media?.heardPcm(),
    waitFor: (p, t, w) => fs.waitFor(p, t, w),
    stop: () => fs.stop(),
  };
}
