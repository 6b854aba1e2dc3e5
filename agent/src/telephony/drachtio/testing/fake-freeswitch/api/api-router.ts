/**
 * The API commands this media server answers (mod_commands / mod_sofia / mod_audio_fork subset),
 * with FreeSWITCH's reply strings. Unknown commands get "-ERR <cmd> Command not found!\n", as from
 * switch_api_execute on a module that is not loaded.
 */
import { serializeJson, serializePlain } from '../esl/esl-codec.js';
import { newEvent } from '../esl/fs-event.js';
import type { FsCore } from '../esl/fs-event.js';
import { addChannelData } from '../channel/channel-data.js';
import type { FsChannel } from '../channel/channel.js';
import { parseDtmfString } from '../channel/dtmf-string.js';
import { uuidAudioFork, type ForkApiContext } from '../fork/fork-api.js';
import { pushBounded } from '../records.js';
import { separateString } from './separate-string.js';
import {
  sofiaStatus,
  statusText,
  versionText,
  type CoreStats,
  type SofiaProfileStatus,
} from './fs-status.js';

export interface ApiContext extends ForkApiContext {
  core: FsCore;
  channels(): Iterable<FsChannel>;
  profiles(): SofiaProfileStatus[];
  stats(): CoreStats;
}

type Handler = (ctx: ApiContext, args: string | undefined) => string | undefined;

function withChannel(
  ctx: ApiContext,
  args: string | undefined,
  max: number,
  syntax: string,
  fn: (ch: FsChannel, argv: string[]) => string,
): string {
  const argv = args ? separateString(args, ' ', max) : [];
  if (!argv[0]) return `-USAGE: ${syntax}\n`;
  const ch = ctx.channel(argv[0]);
  if (!ch || ch.hungUp) return '-ERR No such channel!\n';
  return fn(ch, argv);
}

const HANDLERS: Record<string, Handler> = {
  sofia: (ctx, args) => {
    const sub = (args ?? '').trim();
    if (sub === 'status') return sofiaStatus(ctx.profiles());
    return `-ERR the fake FreeSWITCH models only "sofia status" (got "sofia ${sub}")\n`;
  },
  status: (ctx) => statusText(ctx.stats()),
  version: (ctx) => versionText(ctx.stats().version),
  uuid_audio_fork: (ctx, args) => uuidAudioFork(ctx, args),
  uuid_exists: (ctx, args) => {
    const ch = ctx.channel((args ?? '').trim());
    return ch && !ch.hungUp ? 'true' : 'false';
  },
  uuid_setvar: (ctx, args) => {
    const argv = args ? separateString(args, ' ', 3) : [];
    if ((argv.length !== 2 && argv.length !== 3) || !argv[0]) return '-USAGE: <uuid> <var> [value]\n';
    const ch = ctx.channel(argv[0]);
    if (!ch || ch.hungUp) return '-ERR No such channel!\n';
    if (!argv[1]) return '-ERR No variable specified\n';
    ch.setVariable(argv[1], argv[2]);
    return '+OK\n';
  },
  uuid_getvar: (ctx, args) =>
    withChannel(ctx, args, 2, '<uuid> <var>', (ch, argv) =>
      argv[1] ? (ch.getVariable(argv[1]) ?? '_undef_') : '-ERR No variable name specified!\n',
    ),
  uuid_kill: (ctx, args) =>
    withChannel(ctx, args, 2, '<uuid> [cause]', (ch, argv) => {
      ch.hangup(argv[1] || 'MANAGER_REQUEST', 'local');
      return '+OK\n';
    }),
  uuid_break: (ctx, args) =>
    withChannel(ctx, args, 2, '<uuid> [all]', (ch) => {
      ch.media?.breakPlayback();
      return '+OK\n';
    }),
  uuid_set_media_stats: (ctx, args) => {
    const ch = ctx.channel((args ?? '').trim());
    if (!ch || ch.hungUp) return `-ERR No such channel ${(args ?? '').trim()}!\n`;
    const s = ch.media?.stats;
    if (s) {
      ch.setVariable('rtp_audio_in_raw_bytes', String(s.bytesReceived + 12 * s.packetsReceived));
      ch.setVariable('rtp_audio_in_media_bytes', String(s.bytesReceived));
      ch.setVariable('rtp_audio_in_packet_count', String(s.packetsReceived));
      ch.setVariable('rtp_audio_in_media_packet_count', String(s.packetsReceived));
      ch.setVariable('rtp_audio_in_skip_packet_count', String(s.packetsLost));
      ch.setVariable('rtp_audio_out_raw_bytes', String(s.bytesSent + 12 * s.packetsSent));
      ch.setVariable('rtp_audio_out_media_bytes', String(s.bytesSent));
      ch.setVariable('rtp_audio_out_packet_count', String(s.packetsSent));
      ch.setVariable('rtp_audio_out_media_packet_count', String(s.packetsSent));
    }
    return '+OK:\n';
  },
  uuid_dump: (ctx, args) =>
    withChannel(ctx, args, 2, '<uuid> [format]', (ch, argv) => {
      const e = newEvent(ctx.core, 'CHANNEL_DATA');
      addChannelData(e, ch);
      const format = (argv[1] ?? 'txt').toLowerCase();
      return format === 'json' ? serializeJson(e) : serializePlain(e);
    }),
  uuid_send_dtmf: (ctx, args) => {
    const argv = args ? separateString(args, ' ', 2) : [];
    if (argv.length < 2 || !argv[0] || !argv[1]) return '-USAGE: <uuid> <dtmf_data>\n';
    const ch = ctx.channel(argv[0]);
    if (!ch || ch.hungUp) return '-ERR Cannot locate session!\n';
    const digits = parseDtmfString(argv[1]);
    if (!digits) return '-ERR Operation failed\n';
    for (const d of digits) ch.sendDtmf(d.digit, d.duration, d.pauseMs);
    return `+OK ${argv[0]} sent DTMF ${argv[1]}.\n`;
  },
  hupall: (ctx, args) => {
    const cause = (args ?? '').trim().split(' ')[0] || 'MANAGER_REQUEST';
    for (const ch of [...ctx.channels()]) ch.hangup(cause, 'local');
    return `+OK hangup all channels with cause ${cause}\n`;
  },
};

/** Run one api command; undefined when no reply will come (the fake "crashed" doing it). */
export function runApi(
  ctx: ApiContext,
  log: Array<{ command: string; args?: string; reply: string; at: number }>,
  command: string,
  args: string | undefined,
): string | undefined {
  const handler = HANDLERS[command];
  const reply = handler ? handler(ctx, args) : `-ERR ${command} Command not found!\n`;
  if (reply !== undefined)
    pushBounded(log, { command, ...(args !== undefined ? { args } : {}), reply, at: ctx.now() });
  return reply;
}
