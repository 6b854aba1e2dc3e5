/**
 * The `uuid_audio_fork` API command: parse (fork-args.ts), then what fork_function() does with the
 * channel's media bugs; replies "+OK Success\n", "-ERR Operation Failed\n", "-USAGE: …" or nothing.
 * `start` answers +OK before the WebSocket is even attempted (a refused connection only shows up
 * later as mod_audio_fork::connect_failed).
 */
import type { Logger } from '../../../../../log.js';
import type { FsChannel } from '../channel/channel.js';
import { pushBounded } from '../records.js';
import { AudioForkBug } from './audio-fork-bug.js';
import { parseForkArgs } from './fork-args.js';

export interface ForkApiContext {
  channel(uuid: string): FsChannel | undefined;
  log: Logger;
  subprotocol: string;
  bufferSecs: number;
  connectTimeoutMs: number;
  crashUrlLength: number;
  now(): number;
  /** A defect of the real module: recorded and logged; with crash, the whole fake goes down. */
  fault(reason: string, crash: boolean): void;
  /** Every bug started (the owner terminates leftover sockets when it stops). */
  track(bug: AudioForkBug): void;
}

const OK = '+OK Success\n';
const ERR = '-ERR Operation Failed\n';

/** undefined: no reply will ever come (the process "crashed"). */
export function uuidAudioFork(ctx: ForkApiContext, args: string | undefined): string | undefined {
  const a = parseForkArgs(args, ctx.crashUrlLength);
  switch (a.kind) {
    case 'usage':
      return a.reply;
    case 'no-reply':
      ctx.log.error({ reason: a.reason }, 'mod_audio_fork');
      return '';
    case 'fault':
      ctx.fault(`mod_audio_fork: ${a.reason}`, a.crash);
      return a.crash ? undefined : ERR;
    default:
      break;
  }
  const ch = ctx.channel(a.uuid);
  if (!ch || ch.hungUp) {
    ctx.log.error({ uuid: a.uuid }, 'mod_audio_fork: Error locating session');
    return ERR;
  }
  switch (a.kind) {
    case 'unsupported':
    case 'refused':
      ctx.log.error({ reason: a.reason }, 'mod_audio_fork');
      return ERR;
    case 'start': {
      if (ch.bugs.has(a.bugname)) {
        ctx.log.error({ bugname: a.bugname }, `mod_audio_fork: bug ${a.bugname} already attached!`);
        return ERR;
      }
      const bug = new AudioForkBug({
        start: a,
        channelUuid: ch.uuid,
        codecRate: ch.codec?.rate ?? 8000,
        variable: (n) => ch.getVariable(n),
        subprotocol: ctx.subprotocol,
        bufferSecs: ctx.bufferSecs,
        connectTimeoutMs: ctx.connectTimeoutMs,
        log: ctx.log,
        now: ctx.now,
        fire: (subclass, body) => ch.fireCustom(subclass, body),
        breakPlayback: () => ch.media?.breakPlayback(),
        crash: (reason) => ctx.fault(reason, true),
      });
      ch.bugs.set(a.bugname, bug);
      ctx.track(bug);
      pushBounded(ch.record.forks, bug.record);
      bug.connect();
      return OK;
    }
    default: {
      const bug = ch.bugs.get(a.bugname);
      if (!bug) {
        ctx.log.error({ bugname: a.bugname, op: a.kind }, 'mod_audio_fork: no bug');
        return ERR;
      }
      if (a.kind === 'stop') {
        ch.bugs.delete(a.bugname);
        bug.cleanup(a.text);
      } else if (a.kind === 'send_text') {
        if (a.text) bug.sendText(a.text);
      } else if (a.kind === 'pause' || a.kind === 'resume') bug.pause(a.kind === 'pause');
      else if (a.kind === 'graceful-shutdown') bug.gracefulShutdown();
      else if (a.kind === 'stop_play') bug.stopPlay();
      return OK;
    }
  }
}
