/**
 * The embedded gateway's part of a PBX registration (calls/pbx-registrations.ts): one REGISTER (or an
 * OPTIONS keepalive) through the gateway's SIP endpoint to an address, and our Contact on the
 * gateway's own listener.
 */
import { randomBytes } from 'node:crypto';
import type { RegisterMessage, RegisterReply } from '../calls/registration-client.js';
import type { RegisterTransport, RegistrarDestination } from '../calls/pbx-registrations.js';
import type { SipEndpoint } from './sip/endpoint.js';
import { SipHeaders } from './sip/headers.js';

export class EndpointRegisterTransport implements RegisterTransport {
  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly userAgent: string,
  ) {}

  contactUri(contactUser: string, transport: 'udp' | 'tcp' | 'tls'): string {
    const param = transport === 'udp' ? '' : `;transport=${transport}`;
    return `sip:${contactUser}@${this.endpoint.advertisedHost}:${this.endpoint.localPort(transport)}${param}`;
  }

  send(msg: RegisterMessage, dest: RegistrarDestination): Promise<RegisterReply> {
    const headers = new SipHeaders(msg.headers);
    headers.append('User-Agent', this.userAgent);
    return new Promise((resolve) => {
      this.endpoint.request(
        { kind: 'request', method: 'REGISTER', uri: msg.uri, headers, body: '' },
        dest,
        (res) => {
          if (res.status < 200) return;
          const entries: Array<[string, string]> = [];
          for (const [name] of res.headers.entries()) {
            if (entries.some(([n]) => n === name)) continue;
            for (const v of res.headers.getAll(name)) entries.push([name, v]);
          }
          resolve({ status: res.status, reason: res.reason, headers: entries });
        },
      );
    });
  }

  crlfPing(dest: RegistrarDestination): Promise<boolean> {
    return this.endpoint.ping(dest);
  }

  options(dest: RegistrarDestination, aor: string): Promise<number> {
    const headers = new SipHeaders([
      ['From', `<${aor}>;tag=${randomBytes(6).toString('hex')}`],
      ['To', `<${aor}>`],
      ['Call-ID', `${randomBytes(10).toString('hex')}@switchboard`],
      ['CSeq', '1 OPTIONS'],
      ['Max-Forwards', '70'],
      ['User-Agent', this.userAgent],
    ]);
    const uri = `sip:${dest.address.includes(':') ? `[${dest.address}]` : dest.address}:${dest.port}`;
    return new Promise((resolve) => {
      this.endpoint.request({ kind: 'request', method: 'OPTIONS', uri, headers, body: '' }, dest, (res) => {
        if (res.status >= 200) resolve(res.status);
      });
    });
  }
}
