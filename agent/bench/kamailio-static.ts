/**
 * The benchmark's reference SIP server: a real Kamailio on the same box that answers every INVITE with a
 * static 200 OK (stateless, a fixed SDP), drops the ACK and answers BYE with 200. The same sipp scenario
 * runs against it and against the agent, so the agent's call-setup figures come with a ratio to what a
 * C SIP server does on this machine under the same load.
 */
import { kamailioPreamble, runKamailio, type Kamailio } from '../src/testing/kamailio.js';

const SDP =
  'v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\nc=IN IP4 127.0.0.1\\r\\nt=0 0\\r\\nm=audio 9 RTP/AVP 0\\r\\na=rtpmap:0 PCMU/8000\\r\\n';

function config(port: number, processes: number): string {
  return `${kamailioPreamble(port, ['kex', 'corex', 'sl', 'pv', 'textops'], processes)}
request_route {
  if (is_method("ACK")) exit;
  if (is_method("INVITE")) {
    append_to_reply("Contact: <sip:static@127.0.0.1:${port}>\\r\\n");
    set_reply_body("${SDP}", "application/sdp");
    sl_send_reply("200", "OK");
    exit;
  }
  sl_send_reply("200", "OK");
  exit;
}
`;
}

/** Kamailio on 127.0.0.1:port answering every INVITE with a static 200 (`processes` UDP workers). */
export function startStaticKamailio(port: number, processes = 2): Promise<Kamailio> {
  return runKamailio(config(port, processes), port);
}
