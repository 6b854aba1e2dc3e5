/**
 * The drachtio back-end's part of a PBX registration (calls/pbx-registrations.ts): one REGISTER (or an
 * OPTIONS keepalive) sent with srf.request to the registrar's address (no `auth` option: the shared client answers digest
 * challenges itself), and our Contact on drachtio-server's SIP address.
 */
import type { RegisterTransport, RegistrarDestination } from '../calls/pbx-registrations.js';
import type { RegisterMessage, RegisterReply } from '../calls/registration-client.js';
import { headerValues, srfHeaders } from './srf-reply.js';
import type { SrfLike } from './types.js';

const READ = ['Contact', 'Expires', 'WWW-Authenticate', 'Proxy-Authenticate', 'Min-Expires'];

export class SrfRegisterTransport implements RegisterTransport {
  constructor(
    private readonly srf: SrfLike,
    /** drachtio-server's SIP host:port for a transport (or the external host), once connected. */
    private readonly sipAddress: (transport: 'udp' | 'tcp') => string | undefined,
    private readonly userAgent: string,
  ) {}

  contactUri(contactUser: string, transport: 'udp' | 'tcp'): string {
    const host = this.sipAddress(transport) ?? 'localhost';
    return `sip:${contactUser}@${host}${transport === 'tcp' ? ';transport=tcp' : ''}`;
  }

  send(msg: RegisterMessage, dest: RegistrarDestination): Promise<RegisterReply> {
    const host = dest.address.includes(':') ? `[${dest.address}]` : dest.address;
    const headers = srfHeaders([...msg.headers, ['User-Agent', this.userAgent]]);
    return new Promise((resolve) => {
      this.srf
        .request(msg.uri, {
          method: 'REGISTER',
          headers,
          proxy: `sip:${host}:${dest.port};transport=${dest.transport}`,
        })
        .then((sent) =>
          sent.on('response', (res) => {
            if (res.status < 200) return;
            const replyHeaders = READ.flatMap((name) =>
              headerValues(res.get(name), name).map((v): [string, string] => [name, v]),
            );
            resolve({ status: res.status, reason: res.reason ?? '', headers: replyHeaders });
          }),
        )
        .catch((err: Error) => resolve({ status: 503, reason: err.message, headers: [] }));
    });
  }

  /** An OPTIONS keepalive; drachtio-server fills in From, To, Call-ID and CSeq. */
  options(dest: RegistrarDestination, aor: string): Promise<number> {
    const host = dest.address.includes(':') ? `[${dest.address}]` : dest.address;
    const uri = `sip:${host}:${dest.port}`;
    return new Promise((resolve) => {
      this.srf
        .request(uri, {
          method: 'OPTIONS',
          headers: srfHeaders([
            ['From', `<${aor}>`],
            ['To', `<${aor}>`],
            ['User-Agent', this.userAgent],
          ]),
          proxy: `${uri};transport=${dest.transport}`,
        })
        .then((sent) =>
          sent.on('response', (res) => {
            if (res.status >= 200) resolve(res.status);
          }),
        )
        .catch(() => resolve(503));
    });
  }
}
