/**
 * FreeSWITCH's own status outputs: `sofia status` (mod_sofia.c, the table fsmrf's regex reads to
 * learn the profile's SIP address), `status`, `version`, and the HEARTBEAT event (switch_core.c
 * send_heartbeat, whose Max-Sessions / Session-Count / Session-Per-Sec / Idle-CPU / FreeSWITCH-Version
 * fsmrf's MediaServer keeps).
 */
import { newEvent, type FsCore, type FsEvent } from '../esl/fs-event.js';

const LINE = '='.repeat(97);

export interface SofiaProfileStatus {
  name: string;
  /** sip:mod_sofia@ip:port */
  url: string;
  inuse: number;
}

const pad = (s: string, n: number): string => s.padStart(n, ' ');

export function sofiaStatus(profiles: SofiaProfileStatus[]): string {
  let out = `${pad('Name', 25)}\t${'   Type'}\t  ${pad('Data', 40)}\tState\n${LINE}\n`;
  for (const p of profiles) out += `${pad(p.name, 25)}\tprofile\t  ${pad(p.url, 40)}\tRUNNING (${p.inuse})\n`;
  out += `${LINE}\n${profiles.length} profile${profiles.length === 1 ? '' : 's'} 0 aliases\n`;
  return out;
}

export interface CoreStats {
  version: string;
  uptimeMs: number;
  sessionCount: number;
  sessionsSinceStartup: number;
  sessionPeak: number;
  maxSessions: number;
  /** Sessions created in the current second, and in the previous one. */
  sps: number;
  spsLast: number;
  spsPeak: number;
  maxSps: number;
  idleCpu: number;
}

function duration(ms: number): string {
  const s = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const sec = Math.floor(ms / 1000);
  return [
    s(0, 'year'),
    s(Math.floor(sec / 86400), 'day'),
    s(Math.floor(sec / 3600) % 24, 'hour'),
    s(Math.floor(sec / 60) % 60, 'minute'),
    s(sec % 60, 'second'),
    s(Math.floor(ms) % 1000, 'millisecond'),
    s(0, 'microsecond'),
  ].join(', ');
}

export function statusText(s: CoreStats): string {
  return (
    `UP ${duration(s.uptimeMs)}\n` +
    `FreeSWITCH (Version ${s.version.replace(/-release.*$/, '')} 64bit) is ready\n` +
    `${s.sessionsSinceStartup} session(s) since startup\n` +
    `${s.sessionCount} session(s) - peak ${s.sessionPeak}, last 5min ${s.sessionPeak} \n` +
    `${s.sps} session(s) per Sec out of max ${s.maxSps}, peak ${s.spsPeak}, last 5min ${s.spsPeak} \n` +
    `${s.maxSessions} session(s) max\n` +
    `min idle cpu 0.00/${s.idleCpu.toFixed(2)}\n` +
    'Current Stack Size/Max 240K/8192K\n'
  );
}

export function versionText(version: string): string {
  return `FreeSWITCH Version ${version} (${version.replace(/~.*$/, '').replace(/^[\d.]+/, '')} 64bit)\n`;
}

export function heartbeatEvent(core: FsCore, s: CoreStats): FsEvent {
  const e = newEvent(core, 'HEARTBEAT', undefined, {
    file: 'switch_core.c',
    func: 'send_heartbeat',
    line: 124,
  });
  e.add('Event-Info', 'System Ready');
  e.add('Up-Time', duration(s.uptimeMs));
  e.add('FreeSWITCH-Version', s.version);
  e.add('Uptime-msec', Math.floor(s.uptimeMs));
  e.add('Session-Count', s.sessionCount);
  e.add('Max-Sessions', s.maxSessions);
  e.add('Session-Per-Sec', s.sps);
  e.add('Session-Per-Sec-Last', s.spsLast);
  e.add('Session-Per-Sec-Max', s.spsPeak);
  e.add('Session-Per-Sec-FiveMin', s.spsPeak);
  e.add('Session-Since-Startup', s.sessionsSinceStartup);
  e.add('Session-Peak-Max', s.sessionPeak);
  e.add('Session-Peak-FiveMin', s.sessionPeak);
  e.add('Idle-CPU', s.idleCpu.toFixed(6));
  return e;
}
