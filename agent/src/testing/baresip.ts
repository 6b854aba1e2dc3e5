/**
 * TEST-ONLY: run Debian's baresip (baresip-core 1.0) as a real SIP user agent: a config directory
 * with a WAV file as microphone (aufile), the ALSA "null" device as speaker, a decoded-audio dump
 * (sndfile) and extra settings per test (rtcp_mux, rtp_stats…). One bounded process per call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BaresipConfig {
  dir: string;
  /** SIP listen address, e.g. 127.0.0.1:17081. */
  sipListen: string;
  /** RTP port range, e.g. 28400-28449. */
  rtpPorts: string;
  /** Extra `key value` lines (rtcp_mux yes, rtp_stats yes…). */
  extra?: Array<[string, string]>;
  /** Account parameters after regint=0, e.g. `;ptime=40`. */
  accountParams?: string;
}

/** Write config, accounts and the snd/ dump folder into `dir`; the microphone is `dir`/mic.wav. */
export function writeBaresipConfig(c: BaresipConfig): void {
  const d = c.dir;
  const lines = [
    ['poll_method', 'epoll'],
    ['sip_listen', c.sipListen],
    ['sip_trans_def', 'udp'],
    // Media on loopback too: in a network namespace with only `lo` baresip finds no address otherwise.
    ['net_interface', '127.0.0.1'],
    ['audio_player', 'alsa,null'],
    ['audio_source', `aufile,${join(d, 'mic.wav')}`],
    ['audio_alert', 'alsa,null'],
    ['audio_srate', '8000'],
    ['audio_channels', '1'],
    ['rtp_ports', c.rtpPorts],
    ['rtp_timeout', '0'],
    ['module_path', '/usr/lib/baresip/modules'],
    ['module', 'g711.so'],
    ['module', 'alsa.so'],
    ['module', 'aufile.so'],
    ['module', 'sndfile.so'],
    ['module_app', 'account.so'],
    ['module_app', 'menu.so'],
    ['snd_path', join(d, 'snd')],
    ...(c.extra ?? []),
  ];
  writeFileSync(join(d, 'config'), lines.map(([k, v]) => `${k}\t${v}`).join('\n') + '\n');
  writeFileSync(join(d, 'accounts'), `<sip:test@127.0.0.1>;regint=0${c.accountParams ?? ''}\n`);
  mkdirSync(join(d, 'snd'));
}

/**
 * Run baresip: dial `uri`, stay `seconds`, then quit (which hangs up). Killed if it overstays.
 * `onSpawn` receives the process so the test's cleanup can kill it.
 */
export function runBaresip(
  dir: string,
  uri: string,
  seconds: number,
  onSpawn?: (child: ChildProcess) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('baresip', ['-f', dir, '-t', String(seconds), '-e', `/dial ${uri}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onSpawn?.(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out: out.replace(/\[\d+:\d+:\d+\] audio=[^\s]+ \(bit\/s\)\s*/g, '').slice(-3000) });
    });
  });
}
