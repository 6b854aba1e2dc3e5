/**
 * An INVITE on the drachtio_mrf profile becomes a channel and runs the "mrf" context of the
 * drachtio-freeswitch-mrf image (research §4.2): only a User-Agent "drachtio-fsmrf:<uuid>" matches
 * (else NO_ROUTE_DESTINATION → 404); `answer` negotiates the SDP greedily (no common codec →
 * INCOMPATIBLE_DESTINATION → 488) or, with no SDP (enable-3pcc), answers with an offer and takes
 * the answer from the ACK; four `set`s; then `socket ${sip_h_X-esl-outbound} async full`, which
 * connects to the controlling app (a failed connect ends the dialplan: the call is hung up).
 */
import { randomUUID } from 'node:crypto';
import type { G711 } from '../../../../embedded/media-types.js';
import { parseNameAddr, parseUri } from '../../../../calls/sip-uri.js';
import type { NegotiatedAudio } from '../../../../embedded/media/sdp-answer.js';
import type { ChannelMedia } from '../media/channel-media.js';
import { buildAnswer, buildOffer, negotiate, type LocalMedia } from '../sip/fs-sdp.js';
import type { SipLegImpl } from '../sip/sip-profile.js';
import { FsChannel, type ChannelHost } from './channel.js';

export interface DialplanDeps {
  profile: string;
  codecs: readonly G711[];
  /** Address in SDP and media variables. */
  mediaAddress: string;
  openMedia(channel: FsChannel, audio: NegotiatedAudio | undefined): Promise<ChannelMedia>;
  /** The socket app: connect to host:port for this channel; false when it cannot. */
  connectOutbound(channel: FsChannel, target: string): Promise<boolean>;
}

const DIALPLAN_SETS = [
  'send_silence_when_idle=-1',
  'hangup_after_bridge=false',
  'park_after_bridge=true',
  'playback_terminators=none',
];

/** The channel for an INVITE, with the variables sofia sets from it. */
export function channelForInvite(
  host: ChannelHost,
  leg: SipLegImpl,
  profile: string,
  localPort: number,
): FsChannel {
  const from = parseNameAddr(leg.header('from') ?? '');
  const to = parseNameAddr(leg.header('to') ?? '');
  const ruri = parseUri(leg.req.uri);
  const fromUser = from?.uri.user ?? '';
  const fromHost = from?.uri.host ?? '';
  const ch = new FsChannel(
    host,
    `sofia/${profile}/${fromUser}@${fromHost}`,
    {
      username: fromUser,
      callerIdName: from?.displayName ?? fromUser,
      callerIdNumber: fromUser,
      networkAddr: leg.source.address,
      destinationNumber: ruri?.user ?? '',
      context: 'mrf',
      createdMicros: Date.now() * 1000,
      answeredMicros: 0,
    },
    leg.callId,
  );
  const v = (n: string, val: string | undefined) => {
    if (val !== undefined && val !== '') ch.setVariable(n, val);
  };
  v('direction', 'inbound');
  v('uuid', ch.uuid);
  v('session_id', '1');
  v('sip_from_user', fromUser);
  v('sip_from_uri', `${fromUser}@${fromHost}`);
  v('sip_from_host', fromHost);
  v('channel_name', ch.name);
  v('sip_local_network_addr', leg.source.address);
  v('sip_network_ip', leg.source.address);
  v('sip_network_port', String(leg.source.port));
  v('sip_received_ip', leg.source.address);
  v('sip_received_port', String(leg.source.port));
  v('sip_call_id', leg.callId);
  v('sip_user_agent', leg.header('user-agent'));
  v('sip_req_user', ruri?.user);
  v('sip_req_uri', leg.req.uri.replace(/^sips?:/i, ''));
  v('sip_req_host', ruri?.host);
  v('sip_req_port', ruri?.port !== undefined ? String(ruri.port) : undefined);
  v('sip_to_user', to?.uri.user);
  v('sip_to_uri', to ? `${to.uri.user ?? ''}@${to.uri.host}` : undefined);
  v('sip_to_host', to?.uri.host);
  v('sip_contact_uri', leg.header('contact')?.replace(/^[^<]*<([^>]*)>.*$/, '$1'));
  v('sofia_profile_name', profile);
  v('sofia_profile_url', `sip:mod_sofia@${host.core.ipv4}:${localPort}`);
  v('recovery_profile_name', profile);
  for (const [name, value] of leg.req.headers.entries()) {
    // The SIP codec lower-cases names; X- headers come back as "X-rest" (fsmrf's X-esl-outbound exactly).
    if (name.startsWith('x-')) v(`sip_h_X-${name.slice(2)}`, value);
  }
  v('switch_r_sdp', leg.req.body || undefined);
  v('dtmf_type', 'rfc2833');
  v('endpoint_disposition', 'RECEIVED');
  return ch;
}

function setMediaVars(ch: FsChannel, local: LocalMedia, audio: NegotiatedAudio, localSdp: string): void {
  ch.codec = { name: audio.codec, rate: 8000 };
  ch.setVariable('rtp_local_sdp_str', localSdp);
  ch.setVariable('local_media_ip', local.address);
  ch.setVariable('local_media_port', String(local.port));
  ch.setVariable('advertised_media_ip', local.address);
  ch.setVariable('remote_media_ip', audio.remoteAddress);
  ch.setVariable('remote_media_port', String(audio.remotePort));
  ch.setVariable('rtp_use_codec_name', audio.codec);
  ch.setVariable('rtp_use_codec_rate', '8000');
  ch.setVariable('rtp_use_codec_ptime', '20');
  ch.setVariable('rtp_use_codec_channels', '1');
  ch.setVariable('read_codec', audio.codec);
  ch.setVariable('read_rate', '8000');
  ch.setVariable('write_codec', audio.codec);
  ch.setVariable('write_rate', '8000');
  ch.setVariable('dtmf_type', audio.dtmfPayloadType !== undefined ? 'rfc2833' : 'none');
  if (audio.dtmfPayloadType !== undefined) {
    ch.setVariable('rtp_2833_send_payload', String(audio.dtmfPayloadType));
    ch.setVariable('rtp_2833_recv_payload', String(audio.dtmfPayloadType));
  }
  ch.setVariable('rtp_audio_recv_pt', String(audio.payloadType));
}

/** A dialplan application with its CHANNEL_EXECUTE / _COMPLETE events. */
async function app(
  ch: FsChannel,
  name: string,
  data: string,
  run: () => Promise<boolean> | boolean,
): Promise<boolean> {
  const id = randomUUID();
  ch.fire('CHANNEL_EXECUTE', { Application: name, 'Application-Data': data, 'Application-UUID': id });
  const ok = await run();
  if (ok && !ch.hungUp) {
    ch.fire('CHANNEL_EXECUTE_COMPLETE', {
      Application: name,
      'Application-Data': data,
      'Application-Response': '_none_',
      'Application-UUID': id,
    });
  }
  return ok && !ch.hungUp;
}

export async function runMrfDialplan(ch: FsChannel, leg: SipLegImpl, d: DialplanDeps): Promise<void> {
  ch.setState('CS_ROUTING');
  if (!/^drachtio-fsmrf:(.*)$/.test(ch.getVariable('sip_user_agent') ?? '')) {
    ch.log.warn({ uuid: ch.uuid }, 'No route, Aborting');
    ch.hangup('NO_ROUTE_DESTINATION', 'local');
    return;
  }
  ch.setState('CS_EXECUTE');
  if (!(await app(ch, 'answer', '', () => answer(ch, leg, d)))) return;
  for (const s of DIALPLAN_SETS) {
    if (!(await app(ch, 'set', s, () => (setPair(ch, s), true)))) return;
  }
  const target = ch.getVariable('sip_h_X-esl-outbound') ?? '';
  ch.setVariable('socket_host', target.split(':')[0]);
  const data = `${target} async full`;
  const id = randomUUID();
  ch.fire('CHANNEL_EXECUTE', { Application: 'socket', 'Application-Data': data, 'Application-UUID': id });
  if (!target || !(await d.connectOutbound(ch, target))) {
    ch.log.error({ target }, 'socket app: Socket Error!');
    ch.hangup('NORMAL_CLEARING', 'local');
  }
}

function setPair(ch: FsChannel, text: string): void {
  const eq = text.indexOf('=');
  ch.setVariable(text.slice(0, eq), text.slice(eq + 1));
}

async function answer(ch: FsChannel, leg: SipLegImpl, d: DialplanDeps): Promise<boolean> {
  const offer = leg.req.body;
  let audio: NegotiatedAudio | undefined;
  if (offer) {
    const n = negotiate(offer, d.codecs);
    if (!n.ok) {
      ch.log.warn({ uuid: ch.uuid, reason: n.reason }, 'CODEC NEGOTIATION ERROR');
      ch.hangup('INCOMPATIBLE_DESTINATION', 'local');
      return false;
    }
    audio = n.audio;
  }
  const media = await d.openMedia(ch, audio);
  if (ch.hungUp) {
    media.stop();
    return false;
  }
  ch.media = media;
  const local: LocalMedia = {
    address: d.mediaAddress,
    port: media.port,
    sessionId: String(Math.floor(Date.now() / 1000)),
    version: Math.floor(Date.now() / 1000) + 1,
  };
  const sdp = audio ? buildAnswer(local, audio) : buildOffer(local, d.codecs);
  if (audio) setMediaVars(ch, local, audio, sdp);
  else ch.setVariable('rtp_local_sdp_str', sdp);
  leg.events = callLegEvents(ch, d, local);
  leg.answer(sdp);
  ch.setVariable('endpoint_disposition', 'ANSWER');
  ch.markAnswered();
  media.start();
  return true;
}

function callLegEvents(ch: FsChannel, d: DialplanDeps, local: LocalMedia): NonNullable<SipLegImpl['events']> {
  const apply = (sdp: string): { sdp: string } | { status: number; reason: string } => {
    const n = negotiate(sdp, d.codecs);
    if (!n.ok) return { status: 488, reason: 'Not Acceptable Here' };
    local.version++;
    const answer = buildAnswer(local, n.audio);
    setMediaVars(ch, local, n.audio, answer);
    ch.setVariable('switch_r_sdp', sdp);
    ch.media?.update(n.audio);
    return { sdp: answer };
  };
  return {
    onAck: (body) => {
      // 3PCC: the ACK carries the answer to our offer.
      if (body && !ch.media?.negotiated) {
        const r = apply(body);
        if ('status' in r) ch.hangup('INCOMPATIBLE_DESTINATION', 'local');
      }
    },
    onBye: () => ch.hangup('NORMAL_CLEARING', 'remote'),
    onCancel: () => ch.hangup('ORIGINATOR_CANCEL', 'remote'),
    onReInvite: (body) => (body ? apply(body) : { sdp: ch.getVariable('rtp_local_sdp_str') ?? '' }),
    onInfoDtmf: (digit, ms) => ch.dtmfIn(digit, Math.round((ms ?? 250) * 8), 'ENDPOINT'),
    onAckTimeout: () => ch.hangup('RECOVERY_ON_TIMER_EXPIRE', 'local'),
  };
}
