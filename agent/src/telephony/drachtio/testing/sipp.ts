/**
 * TEST-ONLY: a real sipp process with a scenario written into a temp dir, bounded in time (killed on
 * timeout), its message trace kept so tests can assert on what crossed the wire.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippRun {
  code: number | null;
  stdout: string;
  /** sipp's -trace_msg log: every message sent and received. */
  messages: string;
  errors: string;
}

export interface SippOptions {
  scenarioXml: string;
  target: string;
  localPort: number;
  service?: string;
  transport?: 'udp' | 'tcp';
  timeoutMs?: number;
  /** Credentials for the scenario's [authentication] keyword. */
  auth?: { username: string; password: string };
}

export function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'drachtio-sipp-'));
  const scenario = join(dir, 'scenario.xml');
  const msgFile = join(dir, 'messages.log');
  const errFile = join(dir, 'errors.log');
  writeFileSync(scenario, o.scenarioXml);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const args = [
    o.target,
    '-sf',
    scenario,
    '-t',
    o.transport === 'tcp' ? 't1' : 'u1',
    '-i',
    '127.0.0.1',
    '-p',
    String(o.localPort),
    '-m',
    '1',
    '-s',
    o.service ?? '7000',
    '-timeout',
    `${Math.ceil(timeoutMs / 1000)}s`,
    '-timeout_error',
    '-trace_msg',
    '-message_file',
    msgFile,
    '-trace_err',
    '-error_file',
    errFile,
    '-nostdin',
    ...(o.auth ? ['-au', o.auth.username, '-ap', o.auth.password] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
    child.on('close', (code) => {
      clearTimeout(killer);
      const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
      resolve({ code, stdout, messages: read(msgFile), errors: read(errFile) });
    });
  });
}

const SDP = `v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 8 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=sendrecv`;

/** Caller: INVITE sip:[service]@target, expects the final `status`, ACKs it. */
export function inviteRejectedScenario(status: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="invite-rejected-${status}">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      User-Agent: sipp-test
      Content-Type: application/sdp
      Content-Length: [len]

      ${SDP}
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="${status}"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3];rport
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;
}

function registerMessage(user: string, cseq: number, withAuth: boolean, expires: number): string {
  return `
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:${user}@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:${user}@[remote_ip]>
      Call-ID: [call_id]
      CSeq: ${cseq} REGISTER
      Contact: <sip:${user}@[local_ip]:[local_port]>
      Expires: ${expires}
      Max-Forwards: 70
      User-Agent: sipp-softphone${withAuth ? '\n      [authentication]' : ''}
      Content-Length: 0
`;
}

/**
 * Softphone: REGISTER, expects a 401 digest challenge, REGISTERs again with -au/-ap credentials and
 * expects `final` (200 with its Contact echoed back, or 403 for bad credentials).
 */
export function registerScenario(user: string, final: 200 | 403, expires = 300): string {
  const check =
    final === 200
      ? `<action><ereg regexp="expires=([0-9]+)" search_in="hdr" header="Contact:" check_it="true" assign_to="all,granted"/></action>`
      : '';
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register-${final}">
  <send retrans="500"><![CDATA[${registerMessage(user, 1, false, expires)}
    ]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[${registerMessage(user, 2, true, expires)}
    ]]></send>
  <recv response="${final}">${check}</recv>
  ${final === 200 ? '<Reference variables="all,granted"/>' : ''}
</scenario>
`;
}
