/**
 * What the fake FreeSWITCH remembers for assertions: per channel, per fork, per INVITE, per api
 * command. Every list is bounded (oldest entries dropped) so a long test cannot grow it without end.
 */

export const RECORD_LIMIT = 2000;

export function pushBounded<T>(list: T[], item: T, limit = RECORD_LIMIT): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

export interface ForkRecord {
  bugname: string;
  url: string;
  mix: string;
  sampling: number;
  metadata: string | undefined;
  bidi: { enabled: boolean; stream: boolean; rate: number };
  /** Streamed audio is played only when this is true (all three bidirectional fields). */
  writeReplace: boolean;
  state: 'connecting' | 'connected' | 'failed' | 'dropped' | 'closed';
  startedAt: number;
  connectedAt?: number;
  failReason?: string;
  /** Close code when the server closed the socket. */
  closeCode?: number;
  /** Binary messages of caller audio sent (20 ms each unless coalesced). */
  framesSent: number;
  bytesSent: number;
  /** Zero-length binary frames (graceful-shutdown). */
  emptyFramesSent: number;
  /** Text frames queued for the server: metadata, send_text, stop text, mark notices. */
  textsSent: string[];
  textsReceived: string[];
  binaryBytesReceived: number;
  /** Mark notices the module produced. */
  marks: Array<{ name: string; event: 'playout' | 'cleared'; at: number }>;
  /** CUSTOM events the module raised on the channel. */
  events: Array<{ subclass: string; body?: string }>;
}

export interface AppRecord {
  app: string;
  arg: string;
  response: string;
  /** sendmsg Event-UUID (Application-UUID). */
  uuid?: string;
}

export interface DtmfRecord {
  digit: string;
  /** 8 kHz timestamp units, as DTMF-Duration. */
  duration: number;
  at: number;
}

export interface ChannelRecord {
  uuid: string;
  callId: string;
  /** X-esl-outbound the INVITE named. */
  eslOutbound?: string;
  userAgent?: string;
  codec?: string;
  createdAt: number;
  answeredAt?: number;
  hangupAt?: number;
  hangupCause?: string;
  /** Who ended it: the SIP peer's BYE/CANCEL, or FreeSWITCH (hangup app, uuid_kill, error). */
  hangupBy?: 'remote' | 'local';
  /** Final status FreeSWITCH answered the INVITE with. */
  inviteStatus?: number;
  variables: Record<string, string>;
  apps: AppRecord[];
  dtmfReceived: DtmfRecord[];
  dtmfSent: DtmfRecord[];
  forks: ForkRecord[];
  /** Samples of non-silent audio written to the caller (what the caller heard), and when first. */
  heardSamples: number;
  firstHeardAt?: number;
  /** RTP packets the caller sent us / we sent. */
  rtpIn: number;
  rtpOut: number;
}

export interface InviteRecord {
  callId: string;
  status: number;
  reason: string;
  at: number;
}

export interface ApiRecord {
  command: string;
  args?: string;
  reply: string;
  at: number;
}

export interface Fault {
  reason: string;
  /** True when the real FreeSWITCH would have died (the fake then stops answering everything). */
  crash: boolean;
  at: number;
}
