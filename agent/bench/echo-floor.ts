/**
 * The floor: the least any Node agent could add. A bare SIP UAS (answers INVITE with 200 + SDP, ACKs
 * ignored, BYE → 200) and one UDP socket that sends every RTP packet straight back to its sender.
 * The same caller measures it, so its figures are the caller's own measurement noise plus one Node
 * event-loop hop.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { buildResponse, buildSdp, header, parseSip } from './sip-text.js';

export interface EchoFloor {
  sip: { host: string; port: number };
  rtpPort: number;
  /** Packets echoed so far. */
  echoed(): number;
  /** CPU time used by this process since start (when it runs in its own process). */
  close(): Promise<void>;
}

function bindUdp(host: string, port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve(socket));
  });
}

export async function startEchoFloor(host: string, sipPort: number, rtpPort: number): Promise<EchoFloor> {
  const rtp = await bindUdp(host, rtpPort);
  // One socket carries every call's RTP: give it room for a scheduling hiccup (capped by rmem_max).
  rtp.setRecvBufferSize(4 * 2 ** 20);
  rtp.setSendBufferSize(4 * 2 ** 20);
  const sip = await bindUdp(host, sipPort);
  let echoed = 0;
  rtp.on('message', (buf, rinfo) => {
    echoed++;
    rtp.send(buf, rinfo.port, rinfo.address);
  });
  const tags = new Map<string, string>();
  sip.on('message', (buf, rinfo) => {
    const req = parseSip(buf.toString('utf8'));
    if (!req || req.kind !== 'request' || req.method === 'ACK') return;
    const callId = header(req, 'call-id') ?? '';
    const contact = `<sip:echo@${host}:${sipPort}>`;
    let text: string;
    if (req.method === 'INVITE') {
      const tag = tags.get(callId) ?? randomBytes(4).toString('hex');
      tags.set(callId, tag);
      const body = { type: 'application/sdp', text: buildSdp(host, rtpPort, 1) };
      text = buildResponse(req, 200, 'OK', { toTag: tag, contact, body });
    } else if (req.method === 'BYE') {
      text = buildResponse(req, 200, 'OK', { contact });
      tags.delete(callId);
    } else {
      text = buildResponse(
        req,
        req.method === 'OPTIONS' ? 200 : 501,
        req.method === 'OPTIONS' ? 'OK' : 'Not Implemented',
      );
    }
    sip.send(text, rinfo.port, rinfo.address);
  });
  const close = (s: Socket): Promise<void> => new Promise((r) => s.close(() => r()));
  return {
    sip: { host, port: sipPort },
    rtpPort,
    echoed: () => echoed,
    async close() {
      await Promise.all([close(sip), close(rtp)]);
    },
  };
}

/** Run as its own process (so its CPU and RSS are its own): `tsx echo-floor.ts <host> <sipPort> <rtpPort>`. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const [host = '127.0.0.1', sipPort = '25070', rtpPort = '25072'] = process.argv.slice(2);
  const floor = await startEchoFloor(host, Number(sipPort), Number(rtpPort));
  process.send?.({ ready: true, pid: process.pid });
  console.log(JSON.stringify({ ready: true, pid: process.pid, sip: floor.sip, rtpPort: floor.rtpPort }));
  const stop = (): void => void floor.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('close', stop).resume();
}
