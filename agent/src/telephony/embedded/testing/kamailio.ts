/**
 * TEST-ONLY: a real Kamailio standing in for a PBX: registrar (usrloc in memory) with digest auth
 * against a fixed password (auth module, pv_www_authenticate), and a record-routing proxy that sends
 * calls for registered users to their Contact. Config generated into a temp dir; run in the
 * foreground (-DD -E); stop() kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KamailioOptions {
  port: number;
  user: string;
  password: string;
  algorithm: 'MD5' | 'SHA-256';
}

export interface Kamailio {
  log(): string;
  stop(): Promise<void>;
}

function config(o: KamailioOptions): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=1
tcp_children=1
listen=udp:127.0.0.1:${o.port}
listen=tcp:127.0.0.1:${o.port}
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("auth", "algorithm", "${o.algorithm}")
modparam("auth", "qop", "auth")
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("REGISTER")) {
    if ($tU != "${o.user}") { sl_send_reply("404", "Unknown extension"); exit; }
    $avp(pw) = "${o.password}";
    if (!pv_www_authenticate("$td", "$avp(pw)", "0")) {
      xlog("L_INFO", "REGISTER challenge for $tU\\n");
      www_challenge("$td", "0");
      exit;
    }
    if (!save("location")) { sl_reply_error(); }
    xlog("L_INFO", "REGISTER saved for $tU expires=$hdr(Expires)\\n");
    exit;
  }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  xlog("L_INFO", "routing $rm for $tU to $ru\\n");
  record_route();
  t_relay();
}
`;
}

export async function startKamailio(o: KamailioOptions, readyTimeoutMs = 8000): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, config(o));
  const child: ChildProcess = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '32', '-M', '8', '-Y', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitReady(o.port, readyTimeoutMs, () => child.exitCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`kamailio did not start: ${(err as Error).message}\n${out}`);
  }
  return { log: () => out, stop };
}

/** Ready when an OPTIONS to it gets any reply. */
async function waitReady(port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
  const sock = dgram.createSocket('udp4');
  let answered = false;
  sock.on('message', () => (answered = true));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const end = Date.now() + timeoutMs;
  try {
    while (!answered) {
      if (dead()) throw new Error('process exited');
      if (Date.now() > end) throw new Error('no reply to OPTIONS');
      const msg = [
        `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
        'From: <sip:probe@127.0.0.1>;tag=p',
        'To: <sip:probe@127.0.0.1>',
        `Call-ID: ${Math.random()}@probe`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 5',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(msg, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    sock.close();
  }
}
