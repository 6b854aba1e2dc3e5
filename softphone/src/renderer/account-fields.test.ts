import { describe, expect, it } from 'vitest';
import { AccountFieldError, accountFromFields, fieldsFor } from './account-fields.js';

const fromAgent = fieldsFor(undefined, {
  wsUrl: 'ws://127.0.0.1:19060',
  domain: '127.0.0.1',
  agentApiUrl: 'http://127.0.0.1:19080',
});

describe('account fields', () => {
  it('a user name and password are enough when the agent supplied the server settings', () => {
    expect(accountFromFields({ ...fromAgent, user: 'alice', password: 'pw' }, 'acct-1')).toEqual({
      id: 'acct-1',
      wsUrl: 'ws://127.0.0.1:19060',
      sipUri: 'sip:alice@127.0.0.1',
      password: 'pw',
      iceServers: [],
      dtmfMode: 'rfc4733',
      agentApiUrl: 'http://127.0.0.1:19080',
    });
  });

  it('accepts user@domain and full SIP URIs; without a domain the server host completes the address', () => {
    const f = { ...fieldsFor(undefined, {}), wsUrl: 'wss://pbx.example.com:8089/ws' };
    expect(accountFromFields({ ...f, user: '100' }, 'x').sipUri).toBe('sip:100@pbx.example.com');
    expect(accountFromFields({ ...f, user: '100@other.example' }, 'x').sipUri).toBe('sip:100@other.example');
    expect(accountFromFields({ ...f, user: 'sips:7@secure.example' }, 'x').sipUri).toBe(
      'sips:7@secure.example',
    );
  });

  it('puts the TURN user name and password on TURN URLs only, and round-trips for editing', () => {
    const a = accountFromFields(
      {
        ...fromAgent,
        user: 'bob',
        ice: 'stun:s.example:3478, turns:t.example:5349',
        turnUser: 'u',
        turnPassword: 'p',
        agentApiToken: 'tok',
      },
      'acct-2',
    );
    expect(a.iceServers).toEqual([
      { urls: 'stun:s.example:3478' },
      { urls: 'turns:t.example:5349', username: 'u', credential: 'p' },
    ]);
    expect(a.agentApiToken).toBe('tok');
    expect(accountFromFields(fieldsFor(a, {}), 'acct-2')).toEqual(a);
  });

  it('names the field and says what to enter when something is missing or wrong', () => {
    const err = (f: Partial<typeof fromAgent>) => {
      try {
        accountFromFields({ ...fromAgent, user: 'x', ...f }, 'x');
      } catch (e) {
        return e instanceof AccountFieldError ? [e.field, e.message] : e;
      }
      return undefined;
    };
    expect(err({ user: ' ' })).toEqual(['user', expect.stringMatching(/user name/)]);
    expect(err({ wsUrl: '' })).toEqual(['wsUrl', expect.stringMatching(/wss:\/\/.*administrator/)]);
    expect(err({ ice: 'turn:t.example' })).toEqual(['turnUser', expect.stringMatching(/TURN server needs/)]);
    expect(err({ ice: 'http://nope' })).toEqual(['ice', expect.stringMatching(/not a STUN or TURN URL/)]);
    expect(err({ agentApiUrl: 'ftp://x' })).toEqual(['agentApiUrl', expect.stringMatching(/http/)]);
  });
});
