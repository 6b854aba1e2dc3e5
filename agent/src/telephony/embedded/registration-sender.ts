/**
 * Sends the registration client's REGISTERs through the embedded gateway's SIP endpoint, and keeps
 * what admission needs to recognise the calls that PBX sends back: the random Contact user only it
 * learns, and the addresses its name resolved to.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Registration } from '../../config/profile-schema.js';
import type { RegisterMessage, RegisterReply, RegisterSender } from '../../routing/registration.js';
import type { SipEndpoint } from './sip/endpoint.js';
import { SipHeaders } from './sip/headers.js';
import type { SipPeer } from './sip/transport.js';
import { bareHost, parseUri } from './sip/uri.js';

/** Addresses remembered per registrar (a name may resolve differently over time). */
const MAX_ADDRESSES = 8;

export class EndpointRegisterSender implements RegisterSender {
  /** `<extension>-<128 random bits>`: the PBX sends calls to it; nobody else can guess it. */
  readonly contactUser: string;
  private readonly resolved: string[] = [];

  constructor(
    private readonly endpoint: SipEndpoint,
    private readonly registration: Registration,
  ) {
    this.contactUser = `${registration.user}-${randomBytes(16).toString('hex')}`;
    const host = parseUri(registration.registrar)?.host;
    if (host && isIP(bareHost(host)) !== 0) this.resolved.push(bareHost(host));
  }

  contactUri(reg: Registration, _id: string): string {
    const transport = reg.transport === 'tcp' ? ';transport=tcp' : '';
    return `sip:${this.contactUser}@${this.endpoint.advertisedHost}:${this.endpoint.localPort(reg.transport)}${transport}`;
  }

  /** Where the registrar was found so far: calls from there come through this registration. */
  addresses(): readonly string[] {
    return this.resolved;
  }

  /** Where the registrar is, as an address (names resolved once per REGISTER). */
  async destination(): Promise<SipPeer | undefined> {
    const uri = parseUri(this.registration.registrar);
    if (!uri) return undefined;
    let address = bareHost(uri.host);
    if (isIP(address) === 0) {
      try {
        address = (await lookup(address)).address;
      } catch {
        return undefined;
      }
      if (!this.resolved.includes(address)) {
        this.resolved.push(address);
        if (this.resolved.length > MAX_ADDRESSES) this.resolved.shift();
      }
    }
    return { transport: this.registration.transport, address, port: uri.port ?? 5060 };
  }

  async send(msg: RegisterMessage): Promise<RegisterReply> {
    const dest = await this.destination();
    if (!dest) return { status: 503, reason: 'registrar address not resolvable', headers: [] };
    const headers = new SipHeaders(msg.headers);
    headers.append('User-Agent', 'Switchboard');
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
}
