import { describe, expect, it } from 'vitest';
import { udpNextHop } from './nat-target.js';
import type { SipPeer } from './transport.js';

const from = (address: string, port = 40_000): SipPeer => ({ transport: 'udp', address, port });

describe('udpNextHop: where an in-dialog request over UDP goes', () => {
  it('behind NAT (an inside Contact, seen from a public address): where the dialog came from', () => {
    expect(udpNextHop(from('203.0.113.7'), { host: '192.168.1.20', port: 5060 })).toEqual(
      from('203.0.113.7'),
    );
    expect(udpNextHop(from('203.0.113.7'), { host: '100.64.3.2', port: 5060 })).toEqual(from('203.0.113.7'));
    expect(udpNextHop(from('10.1.0.1'), { host: '192.168.1.20', port: 5060 })).toEqual(from('10.1.0.1'));
  });

  it('the same host on another port (a NAT that maps ports): where the dialog came from', () => {
    expect(udpNextHop(from('203.0.113.7', 61_000), { host: '203.0.113.7', port: 5060 })).toEqual(
      from('203.0.113.7', 61_000),
    );
  });

  it('a name (not resolved) or no target: where the dialog came from', () => {
    expect(udpNextHop(from('203.0.113.7'), { host: 'pbx.example.com', port: 5060 })).toEqual(
      from('203.0.113.7'),
    );
    expect(udpNextHop(from('203.0.113.7'), undefined)).toEqual(from('203.0.113.7'));
  });

  it('a public target on another host (a proxy left the path) or a peer on the same LAN: the target', () => {
    expect(udpNextHop(from('198.51.100.1'), { host: '203.0.113.9', port: 5070 })).toEqual(
      from('203.0.113.9', 5070),
    );
    expect(udpNextHop(from('192.168.1.5'), { host: '192.168.1.20', port: 5060 })).toEqual(
      from('192.168.1.20', 5060),
    );
  });
});
