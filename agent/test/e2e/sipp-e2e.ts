/**
 * TEST-ONLY: sipp scenarios for the end-to-end SIP tests, run by the shared bounded sipp process
 * (src/testing/sipp.ts), which keeps the message trace. Scenario parts: an INVITE dialogue whose
 * SDP points at a chosen RTP port, then one ending (caller BYE, wait for the agent's BYE, REFER, CANCEL).
 */
import { killRunningSipp, runSipp } from '../../src/testing/sipp.js';

const HDRS = `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;
const CONTACT = 'Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>';

function sdp(rtpPort: string, payloads: string): string {
  return `v=0
      o=user1 53655765 2353687637 IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio ${rtpPort} RTP/AVP ${payloads}
      ${rtpmaps(payloads)}
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15
      a=sendrecv`;
}

/** INVITE without SDP (delayed offer): the 200 OK must carry the agent's offer, answered in the ACK. */
function delayedInvite(): string {
  return `<send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${HDRS}
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      ${CONTACT}
      Max-Forwards: 70
      User-Agent: sipp-e2e
      Content-Length: 0

    ]]></send>`;
}

function invite(rtpPort: string, payloads: string): string {
  return `<send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      ${HDRS}
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      ${CONTACT}
      Max-Forwards: 70
      User-Agent: sipp-e2e
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp(rtpPort, payloads)}
    ]]></send>`;
}

const provisional = `<recv response="100" optional="true"/>
  <recv response="180" optional="true"/>`;

function rtpmaps(payloads: string): string {
  const names: Record<string, string> = { '0': 'PCMU', '8': 'PCMA' };
  return payloads
    .split(' ')
    .filter((p) => names[p])
    .map((p) => `a=rtpmap:${p} ${names[p]}/8000`)
    .join('\n      ');
}

function inDialog(method: string, cseq: number, extra = '', body = ''): string {
  return `<send${method === 'ACK' ? '' : ' retrans="500"'}><![CDATA[
      ${method} [next_url] SIP/2.0
      ${HDRS}
      [routes]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      ${CONTACT}
      Max-Forwards: 70
      ${extra}Content-Length: ${body ? '[len]' : '0'}

      ${body}
    ]]></send>`;
}

const answerAndAck = `<recv response="200" rrs="true"/>
  ${inDialog('ACK', 1)}`;

/** The 200 OK holds an offer with telephone-event; the ACK answers it with `payloads` at `rtpPort`. */
const offerAndAnswer = (rtpPort: string, payloads: string) => `<recv response="200" rrs="true">
    <action>
      <ereg regexp="m=audio [0-9]+ RTP/AVP [0-9 ]+ 101" search_in="body" check_it="true" assign_to="offer"/>
    </action>
  </recv>
  <Reference variables="offer"/>
  ${inDialog('ACK', 1, 'Content-Type: application/sdp\n      ', sdp(rtpPort, payloads))}`;

const ok200 = `<send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      ${CONTACT}
      Content-Length: 0

    ]]></send>`;

const pcap = (file: string) => `<nop><action><exec play_pcap_audio="${file}"/></action></nop>`;

function scenario(name: string, body: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="${name}">
  ${body}
</scenario>
`;
}

export type Ending =
  | { kind: 'caller-bye'; afterMs: number }
  | { kind: 'agent-bye'; timeoutMs: number }
  /** Expect REFER with this Refer-To URI, answer 202 + NOTIFY 100/200 sipfrag, then the agent's BYE. */
  | { kind: 'refer'; referTo: string; timeoutMs: number }
  | { kind: 'cancel' };

export interface ScenarioSpec {
  /** SDP audio port: a number (an RTP peer the test owns) or '[media_port]' (sipp's own media). */
  rtpPort: number | '[media_port]';
  /** Payload types offered (or, with delayedOffer, answered), in order of preference (default '0 8 101'). */
  payloads?: string;
  /** INVITE without SDP: the agent offers in its 200 OK and the ACK carries the answer. */
  delayedOffer?: boolean;
  /** pcap files sipp plays after the ACK, in order (pauses between them, ms). */
  pcaps?: { file: string; pauseAfterMs: number }[];
  ending: Ending;
}

function ending(e: Ending): string {
  switch (e.kind) {
    case 'caller-bye':
      return `<pause milliseconds="${e.afterMs}"/>
  ${inDialog('BYE', 2)}
  <recv response="200" crlf="true"/>`;
    case 'agent-bye':
      return `<recv request="BYE" timeout="${e.timeoutMs}"/>
  ${ok200}`;
    case 'refer':
      return referEnding(e.referTo, e.timeoutMs);
    case 'cancel':
      return '';
  }
}

function referEnding(referTo: string, timeoutMs: number): string {
  const esc = referTo
    .replace(/[.]/g, '\\.')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  const notify = (cseq: number, state: string, frag: string) =>
    inDialog(
      'NOTIFY',
      cseq,
      `Event: refer\n      Subscription-State: ${state}\n      Content-Type: message/sipfrag\n      `,
      frag,
    );
  return `<recv request="REFER" timeout="${timeoutMs}">
    <action>
      <ereg regexp="${esc}" search_in="hdr" header="Refer-To:" check_it="true" assign_to="referto"/>
      <ereg regexp="sip:[0-9]+@" search_in="hdr" header="Referred-By:" check_it="true" assign_to="referredby"/>
    </action>
  </recv>
  <Reference variables="referto,referredby"/>
  <send><![CDATA[
      SIP/2.0 202 Accepted
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      ${CONTACT}
      Content-Length: 0

    ]]></send>
  ${notify(10, 'active;expires=60', 'SIP/2.0 100 Trying')}
  <recv response="200"/>
  ${notify(11, 'terminated;reason=noresource', 'SIP/2.0 200 OK')}
  <recv response="200"/>
  <recv request="BYE" timeout="${timeoutMs}"/>
  ${ok200}`;
}

const cancelBody = `<recv response="100" optional="true"/>
  <recv response="180"/>
  <send retrans="500"><![CDATA[
      CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3];rport
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200"/>
  <recv response="487"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-6];rport
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>`;

export function buildScenario(s: ScenarioSpec): string {
  if (s.ending.kind === 'cancel')
    return scenario('e2e-cancel', `${invite(String(s.rtpPort), s.payloads ?? '0 8 101')}\n  ${cancelBody}`);
  const media = (s.pcaps ?? [])
    .map((p) => `${pcap(p.file)}\n  <pause milliseconds="${p.pauseAfterMs}"/>`)
    .join('\n  ');
  return scenario(
    `e2e-${s.ending.kind}`,
    [
      s.delayedOffer ? delayedInvite() : invite(String(s.rtpPort), s.payloads ?? '0 8 101'),
      provisional,
      s.delayedOffer ? offerAndAnswer(String(s.rtpPort), s.payloads ?? '0 8 101') : answerAndAck,
      media,
      ending(s.ending),
    ].join('\n  '),
  );
}

export interface SippResult {
  code: number | null;
  stdout: string;
  /** -trace_msg: every message sent and received. */
  messages: string;
  errors: string;
}

export interface SippRunOptions {
  spec: ScenarioSpec;
  target: string;
  transport: 'udp' | 'tcp';
  localPort: number;
  mediaPort: number;
  service?: string;
  timeoutMs: number;
}

export { killRunningSipp };

/** Run one sipp call; the process is killed if it outlives `timeoutMs` + 5 s. */
export async function runSippCall(o: SippRunOptions): Promise<SippResult> {
  const run = await runSipp({
    scenario: { xml: buildScenario(o.spec) },
    target: o.target,
    transport: o.transport,
    localPort: o.localPort,
    service: o.service,
    limit: 1,
    mediaPort: o.mediaPort,
    mediaIp: '127.0.0.1',
    timeoutMs: o.timeoutMs,
  });
  return { code: run.code, stdout: run.output.slice(-4000), messages: run.messages, errors: run.errors };
}
