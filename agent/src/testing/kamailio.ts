/**
 * TEST-ONLY: a real Kamailio standing in for a PBX on 127.0.0.1 (UDP and TCP on one port): a registrar
 * (usrloc in memory) with digest auth against one fixed extension and password, and a record-routing proxy
 * that relays calls for registered extensions to their Contact, logging the final failure status it got
 * back (like any RFC 3261 proxy it turns a downstream 503 into 500 towards the caller). Config written into
 * a temp dir, run in the foreground (-DD -E), logs captured; stop() kills it.
 *
 * Log lines tests can match: `PBX challenge for <user> (auth: …)`, `PBX saved <user> expires=<Expires>
 * contact=… ua=… callid=… cseq=…`, `PBX routing <method> for <user> to <uri>`, `PBX got <status> for <user>`,
 * `PBX OPTIONS from <ip>:<port>` (an OPTIONS to the server itself, answered 200). With `tls`, also SIP
 * over TLS (kamailio-tls-modules).
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface KamailioOptions {
  port: number;
  user: string;
  password: string;
  /** Digest algorithm of the challenge; Kamailio's default is MD5. */
  algorithm?: 'MD5' | 'SHA-256';
  /** Registrar min/max expiry granted, seconds; Kamailio's defaults (60/3600) when absent. */
  expires?: { minS: number; maxS: number };
  /** An Expires below minS is refused with 423 and Min-Expires (registrar min_expires_mode 1), not raised. */
  refuseBriefExpires?: boolean;
  /** Every REGISTER, even a correctly authenticated one, is refused with 403 (logged `PBX refused <user>`). */
  forbidRegister?: boolean;
  /**
   * Also SIP over TLS (the tls module) on this port with this PEM certificate and key (files; tls.cfg is
   * written beside them). Kamailio does not verify the certificates of its TLS peers.
   */
  tls?: { port: number; cert: string; key: string };
}

function tlsLines(tls: NonNullable<KamailioOptions['tls']>): string {
  const cfg = join(dirname(tls.cert), 'kamailio-tls.cfg');
  writeFileSync(
    cfg,
    `[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n` +
      `private_key = ${tls.key}\ncertificate = ${tls.cert}\n\n` +
      `[client:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\n`,
  );
  return `enable_tls=yes\nlisten=tls:127.0.0.1:${tls.port}\nloadmodule "tls.so"\nmodparam("tls", "config", "${cfg}")\n`;
}

export interface Kamailio {
  log(): string;
  stop(): Promise<void>;
  /** The main process (benchmarks sample its CPU). */
  pid: number;
}

function modparams(o: KamailioOptions): string {
  const lines = ['modparam("usrloc", "db_mode", 0)'];
  if (o.expires) {
    lines.push(`modparam("registrar", "max_expires", ${o.expires.maxS})`);
    lines.push(`modparam("registrar", "min_expires", ${o.expires.minS})`);
  }
  if (o.refuseBriefExpires) lines.push('modparam("registrar", "min_expires_mode", 1)');
  if (o.algorithm) lines.push(`modparam("auth", "algorithm", "${o.algorithm}")`);
  return lines.join('\n');
}

function config(o: KamailioOptions): string {
  const modules = ['kex', 'corex', 'tm', 'tmx', 'sl', 'rr', 'pv', 'maxfwd', 'siputils', 'textops', 'xlog'];
  return `${kamailioPreamble(o.port, [...modules, 'usrloc', 'registrar', 'auth'])}${o.tls ? tlsLines(o.tls) : ''}${modparams(o)}
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (is_method("REGISTER")) {
    if ($tU != "${o.user}") { sl_send_reply("404", "Unknown extension"); exit; }
    $avp(pw) = "${o.password}";
    if (!pv_www_authenticate("$td", "$avp(pw)", "0")) {
      xlog("L_INFO", "PBX challenge for $tU (auth: $hdr(Authorization))\\n");
      www_challenge("$td", "0");
      exit;
    }
${
  o.forbidRegister
    ? `    xlog("L_INFO", "PBX refused $tU\\n");
    sl_send_reply("403", "Forbidden");
    exit;
`
    : ''
}    if (!save("location")) { xlog("L_INFO", "PBX did not save $tU expires=$hdr(Expires)\\n"); sl_reply_error(); exit; }
    xlog("L_INFO", "PBX saved $tU expires=$hdr(Expires) contact=$ct ua=$ua callid=$ci cseq=$cs\\n");
    exit;
  }
  if (is_method("OPTIONS") && $rU == $null) {
    xlog("L_INFO", "PBX OPTIONS from $si:$sp\\n");
    sl_send_reply("200", "OK");
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
  xlog("L_INFO", "PBX routing $rm for $tU to $ru\\n");
  record_route();
  t_on_failure("FAILED");
  t_relay();
}
failure_route[FAILED] {
  xlog("L_INFO", "PBX got $T_reply_code for $tU\\n");
}
`;
}

export async function startKamailio(o: KamailioOptions, readyTimeoutMs = 8000): Promise<Kamailio> {
  return runKamailio(config(o), o.port, readyTimeoutMs);
}

/** The modules path and the listen lines every config here starts from. */
export function kamailioPreamble(port: number, modules: string[], processes = 1): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=${processes}
tcp_children=1
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
${modules.map((m) => `loadmodule "${m}.so"`).join('\n')}
`;
}

/** Run Kamailio in the foreground with this config on 127.0.0.1:port (UDP and TCP) until stop(). */
export async function runKamailio(cfgText: string, port: number, readyTimeoutMs = 8000): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, cfgText);
  const child = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-m', '32', '-M', '8', '-Y', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitForOptionsReply(port, readyTimeoutMs, () => child.exitCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`kamailio did not start: ${(err as Error).message}\n${out}`);
  }
  return { log: () => out, stop, pid: child.pid ?? 0 };
}

/** Ready when an OPTIONS to the port gets any reply. */
async function waitForOptionsReply(port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
  const sock = dgram.createSocket('udp4');
  let answered = false;
  sock.on('message', () => (answered = true));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const end = Date.now() + timeoutMs;
  try {
    while (!answered) {
      if (dead()) throw new Error('process exited');
      if (Date.now() > end) throw new Error('no reply to OPTIONS');
      const tag = Math.random().toString(36).slice(2);
      const msg = [
        `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=z9hG4bK${tag}`,
        'From: <sip:probe@127.0.0.1>;tag=p',
        'To: <sip:probe@127.0.0.1>',
        `Call-ID: ${tag}@probe`,
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
