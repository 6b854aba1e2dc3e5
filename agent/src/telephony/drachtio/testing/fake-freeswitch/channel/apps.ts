/**
 * The dialplan applications a controlling socket can execute on a channel (mod_dptools subset):
 * answer, pre_answer, set/export/unset/multiset, hangup, playback (tone_stream:// and
 * silence_stream:// only: the media server has no sound files), sleep, park, break, set_mute, log,
 * info. Any other name is FreeSWITCH's "Invalid Application": the channel is hung up
 * (DESTINATION_OUT_OF_ORDER) and no CHANNEL_EXECUTE_COMPLETE is sent.
 */
import type { FsChannel } from './channel.js';
import { openSource } from './tone-stream.js';

export type AppResult = 'ok' | 'invalid';

const KNOWN = new Set([
  'answer',
  'pre_answer',
  'set',
  'export',
  'unset',
  'multiset',
  'hangup',
  'playback',
  'sleep',
  'park',
  'break',
  'set_mute',
  'log',
  'info',
  'ring_ready',
]);

function setPair(ch: FsChannel, text: string): void {
  const eq = text.indexOf('=');
  if (eq <= 0) return;
  ch.setVariable(text.slice(0, eq), text.slice(eq + 1));
}

function sleep(ch: FsChannel, ms: number): Promise<void> {
  return new Promise((r) => ch.clock.setTimeout(r, Math.max(0, ms)));
}

async function playback(ch: FsChannel, file: string): Promise<void> {
  const media = ch.media;
  const source = media ? openSource(file, 8000) : undefined;
  if (!media || !source) {
    ch.setVariable('current_application_response', 'FILE NOT FOUND');
    return;
  }
  ch.fire('PLAYBACK_START', { 'Playback-File-Path': file });
  const { broken, samples } = await media.play(source);
  const ms = Math.round(samples / 8);
  ch.setVariable('playback_samples', String(samples));
  ch.setVariable('playback_ms', String(ms));
  ch.setVariable('playback_seconds', String(Math.floor(ms / 1000)));
  ch.setVariable('playback_last_offset_pos', String(samples));
  ch.setVariable('current_application_response', 'FILE PLAYED');
  ch.fire('PLAYBACK_STOP', {
    'Playback-File-Path': file,
    'Playback-Status': broken ? 'break' : 'done',
  });
}

export async function runApp(
  ch: FsChannel,
  app: string,
  arg: string,
  hooks: { before(): void },
): Promise<AppResult> {
  if (!KNOWN.has(app)) return 'invalid';
  hooks.before();
  switch (app) {
    case 'set':
    case 'export':
      setPair(ch, arg);
      break;
    case 'unset':
      ch.setVariable(arg.trim(), undefined);
      break;
    case 'multiset': {
      const text = arg.startsWith('^^') && arg.length > 2 ? arg.slice(3) : arg;
      const delim = arg.startsWith('^^') && arg.length > 2 ? arg[2]! : ' ';
      for (const part of text.split(delim)) setPair(ch, part);
      break;
    }
    case 'hangup':
      ch.hangup(arg.trim() || 'NORMAL_CLEARING', 'local');
      break;
    case 'playback':
      await playback(ch, arg.trim());
      break;
    case 'sleep':
      await sleep(ch, Number.parseInt(arg, 10) || 0);
      break;
    case 'break':
      ch.media?.breakPlayback();
      break;
    case 'set_mute': {
      const [which, on] = arg.trim().split(/\s+/);
      if (which === 'read' && ch.media) ch.media.muted = on === 'true';
      break;
    }
    default:
      break;
  }
  return 'ok';
}
