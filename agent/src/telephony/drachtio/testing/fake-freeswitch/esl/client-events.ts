/** Events made on behalf of a client: bgapi's BACKGROUND_JOB and whatever `sendevent` carries. */
import { commandHeader, type EslCommand } from './esl-codec.js';
import { nameEvent } from './event-names.js';
import { newEvent, type FsCore, type FsEvent } from './fs-event.js';

export function backgroundJobEvent(
  core: FsCore,
  job: string,
  owner: string,
  command: string,
  args: string | undefined,
  reply: string,
): FsEvent {
  const e = newEvent(core, 'BACKGROUND_JOB');
  e.add('Job-UUID', job);
  e.add('Job-Owner-UUID', owner);
  e.add('Job-Command', command);
  if (args !== undefined) e.add('Job-Command-Arg', args);
  e.body = reply;
  return e;
}

/** sendevent <NAME>: the client's headers and body, Event-UUID added, delivery headers first. */
export function clientEvent(core: FsCore, name: string, eventUuid: string, cmd: EslCommand): FsEvent {
  const type = nameEvent(name) ?? 'CLONE';
  const e = newEvent(core, type, commandHeader(cmd, 'Event-Subclass'));
  for (const [n, v] of cmd.headers) if (n.toLowerCase() !== 'content-length') e.add(n, v);
  e.add('Event-UUID', eventUuid);
  if (cmd.body !== undefined) e.body = cmd.body;
  return e;
}
