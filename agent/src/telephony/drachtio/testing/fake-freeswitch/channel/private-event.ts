/**
 * A sendmsg queued to a channel, as switch_ivr_parse_event() reads it: call-command execute
 * (execute-app-name, execute-app-arg or a text/plain body, loops, Event-UUID) or hangup
 * (hangup-cause). Other call-commands are not modelled (logged).
 */
import { commandHeader, type EslCommand } from '../esl/esl-codec.js';
import type { FsChannel } from './channel.js';

export function parsePrivateEvent(ch: FsChannel, cmd: EslCommand): void {
  const what = (commandHeader(cmd, 'call-command') ?? '').toLowerCase();
  if (what === 'execute') {
    const app = commandHeader(cmd, 'execute-app-name') ?? '';
    let arg = commandHeader(cmd, 'execute-app-arg');
    if (arg === undefined && /^text\/plain/i.test(commandHeader(cmd, 'content-type') ?? '')) arg = cmd.body;
    const loops = Math.max(1, Number.parseInt(commandHeader(cmd, 'loops') ?? '1', 10) || 1);
    for (let i = 0; i < loops; i++) ch.execute(app, arg ?? '', commandHeader(cmd, 'Event-UUID'));
  } else if (what === 'hangup') {
    ch.hangup(commandHeader(cmd, 'hangup-cause') ?? 'NORMAL_CLEARING', 'local');
  } else {
    ch.log.warn({ what }, 'sendmsg call-command not modelled by the fake');
  }
}
