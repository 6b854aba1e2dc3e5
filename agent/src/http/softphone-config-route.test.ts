import { afterEach, describe, expect, it } from 'vitest';
import { makeServer } from '../testing/http-test-kit.js';
import { softphoneConfig } from './softphone-config-route.js';

const TOKEN = 'test-api-token-0123456789abcdef';
const servers: ReturnType<typeof makeServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await s.server.close();
    s.store.close();
  }
});

describe('softphoneConfig', () => {
  const plain = { host: '127.0.0.1:8080', secure: false };

  it('gives the gateway’s own ws port and bind address (not a guessed default)', () => {
    expect(softphoneConfig({ host: '127.0.0.1', wsPort: 19060 }, plain, false)).toEqual({
      sipWsUrl: 'ws://127.0.0.1:19060',
      sipDomain: '127.0.0.1',
      apiTokenRequired: false,
    });
  });

  it('uses the name the browser used when SIP listens on a wildcard, and the external host when set', () => {
    const lan = { host: 'phone.lan:8080', secure: false };
    expect(softphoneConfig({ host: '0.0.0.0', wsPort: 8088 }, lan, false).sipWsUrl).toBe(
      'ws://phone.lan:8088',
    );
    expect(
      softphoneConfig({ host: '::', wsPort: 8088 }, { host: '[::1]:8080', secure: false }, false),
    ).toMatchObject({ sipWsUrl: 'ws://[::1]:8088', sipDomain: '[::1]' });
    expect(
      softphoneConfig({ host: '0.0.0.0', externalHost: 'sip.example.com', wsPort: 8088 }, lan, false),
    ).toMatchObject({ sipWsUrl: 'ws://sip.example.com:8088', sipDomain: 'sip.example.com' });
  });

  it('offers wss to https pages, and whichever listener exists when there is only one', () => {
    const both = { host: 'sip.example.com', wsPort: 8088, wssPort: 8443 };
    expect(softphoneConfig(both, { host: 'sip.example.com', secure: true }, true).sipWsUrl).toBe(
      'wss://sip.example.com:8443',
    );
    expect(softphoneConfig(both, plain, true).sipWsUrl).toBe('ws://sip.example.com:8088');
    expect(softphoneConfig({ host: 'h', wssPort: 8443 }, plain, false).sipWsUrl).toBe('wss://h:8443');
  });

  it('has no SIP settings when the agent has no SIP WebSocket (drachtio, none, udp/tcp only)', () => {
    expect(softphoneConfig(undefined, plain, true)).toEqual({ apiTokenRequired: true });
    expect(softphoneConfig({ host: '127.0.0.1' }, plain, false)).toEqual({ apiTokenRequired: false });
  });
});

describe('GET /phone/config.json', () => {
  it('is public even with an API token, says a token is needed, and holds no secret', async () => {
    const s = makeServer({ apiToken: TOKEN, softphoneSip: () => ({ host: '127.0.0.1', wsPort: 19060 }) });
    servers.push(s);
    const res = await s.app.inject({ url: '/phone/config.json', headers: { host: '127.0.0.1:8080' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      sipWsUrl: 'ws://127.0.0.1:19060',
      sipDomain: '127.0.0.1',
      apiTokenRequired: true,
    });
    expect(res.body).not.toContain(TOKEN);
    expect((await s.app.inject('/api/calls')).statusCode).toBe(401);
  });

  it('is not served when the server was not given SIP info', async () => {
    const s = makeServer();
    servers.push(s);
    expect((await s.app.inject('/phone/config.json')).statusCode).toBe(404);
  });
});
