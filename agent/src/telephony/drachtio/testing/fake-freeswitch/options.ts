/**
 * Options of the fake FreeSWITCH, their defaults (FreeSWITCH's, or the drachtio-freeswitch-mrf
 * image's) and their validation: a bad value fails startFakeFreeswitch() naming the field.
 */
import type { Clock } from '../../../../time/clock.js';
import { systemClock } from '../../../../time/clock.js';
import type { Logger } from '../../../../log.js';
import { createLogger } from '../../../../log.js';
import type { G711 } from '../../../embedded/media-types.js';
import type { FrameTicker } from '../../../embedded/media/frame-ticker.js';
import type { SipTimers } from '../../../embedded/sip/timers.js';

export interface FakeFreeswitchOptions {
  /** Address for ESL, SIP and RTP (default 127.0.0.1). */
  address?: string;
  /** Event socket port (default 0: any free port). */
  eslPort?: number;
  /** ESL password (default ClueCon). */
  secret?: string;
  /** drachtio_mrf profile SIP UDP port (default 0: any free port). */
  sipPort?: number;
  /** SIP profile name shown by `sofia status` (default drachtio_mrf). */
  profile?: string;
  /** RTP port range (default 16384-32767, FreeSWITCH's rtp-start/end-port). */
  rtpPorts?: { min: number; max: number };
  /** Codec preference, greedy (default PCMU, PCMA). The fake has no G.722/Opus codec. */
  codecs?: G711[];
  /** switch.conf max-sessions (default 1000): INVITEs beyond it get 503. */
  maxSessions?: number;
  /** Sessions-per-second limit shown by `status` (default 30). */
  maxSessionsPerSecond?: number;
  /** Idle-CPU reported by HEARTBEAT (default 98.5). */
  idleCpu?: number;
  /** FreeSWITCH-Version (default 1.11.1-release~64bit). */
  version?: string;
  hostname?: string;
  /** HEARTBEAT period (default 20000 ms, FreeSWITCH's); 0 = only emitHeartbeat(). */
  heartbeatIntervalMs?: number;
  /** Event socket ACL: false refuses the peer with text/rude-rejection (default: allow all). */
  eslAllow?(remoteAddress: string): boolean;
  /** MOD_AUDIO_FORK_SUBPROTOCOL_NAME (default audio.drachtio.org). */
  forkSubprotocol?: string;
  /** MOD_AUDIO_FORK_BUFFER_SECS, 1–5 (default 2). */
  forkBufferSecs?: number;
  /** lws context timeout_secs for the fork handshake (default 10000 ms). */
  forkConnectTimeoutMs?: number;
  /** A fork URL this long or longer "segfaults" the fake, as std::regex did the real one (default 800). */
  crashUrlLength?: number;
  /** How much of what each caller heard is kept for assertions (default 30000 ms). */
  recordHeardMs?: number;
  clock?: Clock;
  /** 20 ms ticker for media (default: one per fake on `clock`). */
  ticker?: FrameTicker;
  sipTimers?: SipTimers;
  log?: Logger;
}

export type ResolvedOptions = Required<Omit<FakeFreeswitchOptions, 'ticker' | 'sipTimers' | 'eslAllow'>> &
  Pick<FakeFreeswitchOptions, 'ticker' | 'sipTimers' | 'eslAllow'>;

export class FakeFreeswitchOptionError extends Error {
  readonly code = 'FAKE_FREESWITCH_OPTION';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`fake FreeSWITCH option ${field}: ${message}`);
    this.name = 'FakeFreeswitchOptionError';
  }
}

function port(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new FakeFreeswitchOptionError(field, `bad port ${v}`);
  return v;
}

export function resolveOptions(o: FakeFreeswitchOptions): ResolvedOptions {
  const codecs = o.codecs ?? ['PCMU', 'PCMA'];
  for (const c of codecs) {
    if (c !== 'PCMU' && c !== 'PCMA')
      throw new FakeFreeswitchOptionError('codecs', `${String(c)} is not modelled (PCMU, PCMA only)`);
  }
  if (codecs.length === 0) throw new FakeFreeswitchOptionError('codecs', 'at least one codec');
  const rtp = o.rtpPorts ?? { min: 16384, max: 32767 };
  if (rtp.min < 1024 || rtp.max > 65535 || rtp.min >= rtp.max) {
    throw new FakeFreeswitchOptionError('rtpPorts', `bad range ${rtp.min}-${rtp.max}`);
  }
  const bufferSecs = o.forkBufferSecs ?? 2;
  if (!Number.isInteger(bufferSecs) || bufferSecs < 1 || bufferSecs > 5) {
    throw new FakeFreeswitchOptionError('forkBufferSecs', 'an integer 1–5');
  }
  const maxSessions = o.maxSessions ?? 1000;
  if (!Number.isInteger(maxSessions) || maxSessions < 0)
    throw new FakeFreeswitchOptionError('maxSessions', 'a non-negative integer');
  const secret = o.secret ?? 'ClueCon';
  if (/[\r\n]/.test(secret)) throw new FakeFreeswitchOptionError('secret', 'no line breaks');
  return {
    address: o.address ?? '127.0.0.1',
    eslPort: port('eslPort', o.eslPort ?? 0),
    secret,
    sipPort: port('sipPort', o.sipPort ?? 0),
    profile: o.profile ?? 'drachtio_mrf',
    rtpPorts: rtp,
    codecs,
    maxSessions,
    maxSessionsPerSecond: o.maxSessionsPerSecond ?? 30,
    idleCpu: o.idleCpu ?? 98.5,
    version: o.version ?? '1.11.1-release~64bit',
    hostname: o.hostname ?? 'fake-freeswitch',
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 20_000,
    eslAllow: o.eslAllow,
    forkSubprotocol: o.forkSubprotocol ?? 'audio.drachtio.org',
    forkBufferSecs: bufferSecs,
    forkConnectTimeoutMs: o.forkConnectTimeoutMs ?? 10_000,
    crashUrlLength: o.crashUrlLength ?? 800,
    recordHeardMs: o.recordHeardMs ?? 30_000,
    clock: o.clock ?? systemClock,
    ticker: o.ticker,
    sipTimers: o.sipTimers,
    log: o.log ?? createLogger('silent'),
  };
}
