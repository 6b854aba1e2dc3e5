/**
 * TEST-ONLY: sipp scenarios for the drachtio tests, and a runner with their defaults (UDP, 10 s) over the
 * shared bounded sipp process (agent/src/testing/sipp.ts): XML written to a temp dir, message trace kept.
 */
import { runSipp as runSippProcess } from '../../../testing/sipp.js';

export interface SippRun {
  code: number | null;
  /** stdout and stderr, interleaved. */
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

export async function runSipp(o: SippOptions): Promise<SippRun> {
  const run = await runSippProcess({
    scenario: { xml: o.scenarioXml },
    target: o.target,
    transport: o.transport ?? 'udp',
    localPort: o.localPort,
    service: o.service,
    auth: o.auth,
    timeoutMs: o.timeoutMs ?? 10_000,
  });
  return { code: run.code, stdout: run.output, messages: run.messages, errors: run.errors };
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
