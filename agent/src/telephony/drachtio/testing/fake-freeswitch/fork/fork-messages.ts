/**
 * Text frames from the fork server, as processIncomingMessage() (lws_glue.cpp, jambonz 1.2.33)
 * treats them: JSON with a "type" (none means "json"); what each type does and which CUSTOM event
 * it raises with which body. Pure: returns what to do.
 */

export const FORK_EVENT = {
  transcription: 'mod_audio_fork::transcription',
  transfer: 'mod_audio_fork::transfer',
  playAudio: 'mod_audio_fork::play_audio',
  killAudio: 'mod_audio_fork::kill_audio',
  disconnect: 'mod_audio_fork::disconnect',
  error: 'mod_audio_fork::error',
  connect: 'mod_audio_fork::connect',
  connectFailed: 'mod_audio_fork::connect_failed',
  bufferOverrun: 'mod_audio_fork::buffer_overrun',
  json: 'mod_audio_fork::json',
} as const;

export type ForkMessageAction =
  | { kind: 'event'; subclass: string; body?: string }
  | { kind: 'kill' }
  | { kind: 'mark'; name: string }
  | { kind: 'clearMarks' }
  /** playAudio (bidirectional enabled, not streaming): write the file, then raise play_audio. */
  | { kind: 'playAudio'; data: Record<string, unknown>; audio?: { base64: string; extension: string } }
  | { kind: 'ignored'; reason: string }
  | { kind: 'crash'; reason: string };

const RAW_EXT: Record<number, string> = {
  8000: '.r8',
  16000: '.r16',
  24000: '.r24',
  32000: '.r32',
  48000: '.r48',
  64000: '.r64',
};

/** cJSON_PrintUnformatted of a value; nothing when the value is absent. */
function printed(v: unknown): string | undefined {
  return v === undefined ? undefined : JSON.stringify(v);
}

export function forkMessageActions(
  text: string,
  mode: { bidiEnabled: boolean; bidiStream: boolean },
): ForkMessageAction[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [{ kind: 'ignored', reason: 'parse - failed parsing incoming msg as JSON' }];
  }
  const obj = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const type = typeof obj.type === 'string' ? obj.type : 'json';
  const data = obj.data;
  if (type === 'playAudio' && mode.bidiEnabled && !mode.bidiStream) return playAudio(data);
  switch (type) {
    case 'killAudio':
      return [{ kind: 'event', subclass: FORK_EVENT.killAudio }, { kind: 'kill' }];
    case 'mark': {
      const name = (data as { name?: unknown } | undefined)?.name;
      return typeof name === 'string' ? [{ kind: 'mark', name }] : [];
    }
    case 'clearMarks':
      return [{ kind: 'clearMarks' }];
    case 'transcription':
      return [{ kind: 'event', subclass: FORK_EVENT.transcription, body: printed(data) }];
    case 'transfer':
      return [{ kind: 'event', subclass: FORK_EVENT.transfer, body: printed(data) }];
    case 'disconnect':
      return [{ kind: 'event', subclass: FORK_EVENT.disconnect, body: printed(data) }];
    case 'error':
      return [{ kind: 'event', subclass: FORK_EVENT.error, body: printed(data) }];
    case 'json':
      return [{ kind: 'event', subclass: FORK_EVENT.json, body: JSON.stringify(json) }];
    default:
      return [{ kind: 'ignored', reason: `processIncomingMessage - unsupported msg type ${type}` }];
  }
}

function playAudio(data: unknown): ForkMessageAction[] {
  if (typeof data !== 'object' || data === null) {
    return [{ kind: 'ignored', reason: 'missing data payload in playAudio request' }];
  }
  const d = { ...(data as Record<string, unknown>) };
  const content = d.audioContent;
  delete d.audioContent;
  const type = d.audioContentType;
  if (typeof type !== 'string') {
    return [{ kind: 'crash', reason: 'playAudio without audioContentType: strcmp(NULL, "raw") segfaults' }];
  }
  let extension: string | undefined;
  if (type === 'raw') {
    const rate = typeof d.sampleRate === 'number' ? Math.trunc(d.sampleRate) : 0;
    extension = RAW_EXT[rate] ?? '.r16';
  } else if (type === 'wave' || type === 'wav') extension = '.wav';
  if (typeof content === 'string' && extension !== undefined) {
    return [{ kind: 'playAudio', data: d, audio: { base64: content, extension } }];
  }
  return [{ kind: 'playAudio', data: d }];
}
