/**
 * `uuid_audio_fork` argument handling exactly as jambonz mod_audio_fork 1.2.33 fork_function() and
 * parse_ws_uri() do it (mod_audio_fork.c, lws_glue.cpp @30f2189): switch_separate_string with at
 * most 10 tokens, the 10/7/6-token rules for start, `{`/`[` deciding text versus bug name, the
 * default bug name, and the places where the real module misbehaves (answered as `fault`).
 */
import { separateString } from '../api/separate-string.js';

export const FORK_API_SYNTAX =
  '<uuid> [start | stop | send_text | pause | resume | graceful-shutdown | stop_play ] [wss-url | path] ' +
  '[mono | mixed | stereo] [8000 | 16000 | 24000 | 32000 | 64000] [bugname] [metadata] ' +
  '[bidirectionalAudio_enabled] [bidirectionalAudio_stream_enabled] [bidirectionalAudio_stream_samplerate]';

export const DEFAULT_BUGNAME = 'audio_fork';
export const MAX_METADATA_LEN = 8192;
export const MAX_BUG_LEN = 64;

export type MixType = 'mono' | 'mixed' | 'stereo';

export interface WsTarget {
  secure: boolean;
  host: string;
  port: number;
  path: string;
}

export interface ForkStart {
  kind: 'start';
  uuid: string;
  url: string;
  target: WsTarget;
  mix: MixType;
  sampling: number;
  bugname: string;
  metadata: string | undefined;
  bidiEnabled: boolean;
  bidiStream: boolean;
  bidiRate: number;
  /** SMBF_WRITE_REPLACE: only with all three bidirectional fields (enabled, stream, non-zero rate). */
  writeReplace: boolean;
}

export type ForkAction =
  | ForkStart
  | { kind: 'stop'; uuid: string; bugname: string; text: string | undefined }
  | { kind: 'send_text'; uuid: string; bugname: string; text: string | undefined }
  | { kind: 'pause' | 'resume' | 'graceful-shutdown' | 'stop_play'; uuid: string; bugname: string }
  /** The module wrote its usage string. */
  | { kind: 'usage'; reply: string }
  /** Nothing written to the stream: mod_event_socket then answers "-ERR no reply". */
  | { kind: 'no-reply'; reason: string }
  | { kind: 'unsupported'; uuid: string; reason: string }
  /** Well-defined failure: "-ERR Operation Failed". */
  | { kind: 'refused'; uuid: string; reason: string }
  /** The real module has undefined behaviour or crashes here; the fake refuses loudly. */
  | { kind: 'fault'; uuid: string; reason: string; crash: boolean };

const isJsonish = (s: string): boolean => s.startsWith('{') || s.startsWith('[');

/** parse_ws_uri(): scheme → TLS and default port, then std::regex_search("([^/:]+):?([0-9]*)?(/.*)?$"). */
export function parseWsUri(url: string): WsTarget | undefined {
  const schemes: Array<[string, boolean, number]> = [
    ['https://', true, 443],
    ['wss://', true, 443],
    ['http://', false, 80],
    ['ws://', false, 80],
  ];
  const head = url.slice(0, 8);
  const scheme = schemes.find(([s]) => head.startsWith(s) || head.startsWith(s.toUpperCase()));
  if (!scheme) return undefined;
  const rest = url.slice(scheme[0].length);
  const m = /([^/:]+):?([0-9]*)?(\/.*)?$/.exec(rest);
  if (!m) return undefined;
  const port = m[2] ? Number.parseInt(m[2], 10) : scheme[2];
  return { secure: scheme[1], host: m[1]!.slice(0, 511), port, path: m[3] ? m[3].slice(0, 4095) : '/' };
}

/** fork_function(): the API's argument string to what the module would do. */
export function parseForkArgs(cmd: string | undefined, crashUrlLength: number): ForkAction {
  const usage = { kind: 'usage', reply: `-USAGE: ${FORK_API_SYNTAX}\n` } as const;
  if (!cmd) return usage;
  const argv = separateString(cmd, ' ', 10);
  const argc = argv.length;
  const sub = argv[1];
  if (argc < 2 || (sub === 'start' && argc < 4)) return usage;
  const uuid = argv[0]!;
  const op = sub!.toLowerCase();
  if (op === 'stop') {
    let bugname = DEFAULT_BUGNAME;
    let text: string | undefined;
    if (argc > 3) {
      bugname = argv[2]!;
      text = argv[3];
    } else if (argc > 2) {
      if (isJsonish(argv[2]!)) text = argv[2];
      else bugname = argv[2]!;
    }
    return { kind: 'stop', uuid, bugname, text };
  }
  // stop_play never reads argv[2]: it always uses the default bug name.
  if (op === 'stop_play') return { kind: 'stop_play', uuid, bugname: DEFAULT_BUGNAME };
  if (op === 'pause' || op === 'resume' || op === 'graceful-shutdown') {
    return { kind: op, uuid, bugname: argc > 2 ? argv[2]! : DEFAULT_BUGNAME };
  }
  if (op === 'send_text') {
    if (argc < 3)
      return { kind: 'no-reply', reason: 'send_text requires an argument specifying text to send' };
    if (argc > 3) return { kind: 'send_text', uuid, bugname: argv[2]!, text: argv[3] };
    return isJsonish(argv[2]!)
      ? { kind: 'send_text', uuid, bugname: DEFAULT_BUGNAME, text: argv[2] }
      : { kind: 'send_text', uuid, bugname: argv[2]!, text: undefined };
  }
  if (op === 'start') return parseStart(argv, uuid, crashUrlLength);
  return { kind: 'unsupported', uuid, reason: `unsupported mod_audio_fork cmd: ${sub}` };
}

function parseStart(argv: string[], uuid: string, crashUrlLength: number): ForkAction {
  const argc = argv.length;
  if (argc < 5) {
    // strcmp(argv[4], "16k") on a NULL pointer.
    return {
      kind: 'fault',
      uuid,
      crash: true,
      reason: 'start without a sample rate: strcmp(NULL) segfaults',
    };
  }
  let bugname = DEFAULT_BUGNAME;
  let metadata: string | undefined;
  let bidiEnabled = true;
  let bidiStream = false;
  let bidiRate = 0;
  let writeReplace = false;
  if (argc > 9) {
    if (argv[5] !== '') bugname = argv[5]!;
    if (argv[6] !== '') metadata = argv[6];
    bidiEnabled = argv[7] === 'true';
    bidiStream = argv[8] === 'true';
    bidiRate = Number.parseInt(argv[9]!, 10) || 0;
    writeReplace = bidiEnabled && bidiStream && bidiRate !== 0;
  } else if (argc > 6) {
    bugname = argv[5]!;
    metadata = argv[6];
  } else if (argc > 5) {
    if (isJsonish(argv[5]!)) metadata = argv[5];
    else bugname = argv[5]!;
  }
  const mix = argv[3]!;
  if (mix !== 'mono' && mix !== 'mixed' && mix !== 'stereo') {
    return { kind: 'no-reply', reason: `invalid mix type: ${mix}, must be mono, mixed, or stereo` };
  }
  const rateText = argv[4]!;
  const sampling = rateText === '16k' ? 16000 : rateText === '8k' ? 8000 : Number.parseInt(rateText, 10) || 0;
  const url = argv[2]!;
  if (url.length >= crashUrlLength) {
    return {
      kind: 'fault',
      uuid,
      crash: true,
      reason: `fork URL of ${url.length} characters overflows std::regex`,
    };
  }
  const target = parseWsUri(url);
  if (!target) {
    return {
      kind: 'fault',
      uuid,
      crash: false,
      reason: `invalid websocket uri: ${url} (the module goes on with an uninitialised host)`,
    };
  }
  if (sampling === 0)
    return { kind: 'refused', uuid, reason: `sample rate ${rateText}: no resampler to 0 Hz` };
  if (metadata !== undefined && Buffer.byteLength(metadata) >= MAX_METADATA_LEN) {
    return {
      kind: 'fault',
      uuid,
      crash: false,
      reason: `metadata of ${Buffer.byteLength(metadata)} bytes overruns initialMetadata[8192]`,
    };
  }
  return {
    kind: 'start',
    uuid,
    url,
    target,
    mix,
    sampling,
    bugname: bugname.slice(0, MAX_BUG_LEN),
    metadata,
    bidiEnabled,
    bidiStream,
    bidiRate,
    writeReplace,
  };
}
