import { describe, expect, it } from 'vitest';
import { DialTargetError, normaliseNumber, toDialUri } from './dial-target.js';

const ACCOUNT = 'sip:100@pbx.example.com';

describe('toDialUri', () => {
  it('completes digits with the account domain and drops visual separators', () => {
    expect(toDialUri('200', ACCOUNT)).toBe('sip:200@pbx.example.com');
    expect(toDialUri(' +1 (555) 123-4567 ', ACCOUNT)).toBe('sip:+15551234567@pbx.example.com');
    expect(toDialUri('*97#', ACCOUNT)).toBe('sip:*97%23@pbx.example.com');
  });

  it('keeps explicit SIP URIs and strips URI parameters', () => {
    expect(toDialUri('sip:agent@127.0.0.1:5060;transport=ws', ACCOUNT)).toBe('sip:agent@127.0.0.1:5060');
    expect(toDialUri('sips:bob@example.org', ACCOUNT)).toBe('sips:bob@example.org');
    expect(toDialUri('alice@example.org', ACCOUNT)).toBe('sip:alice@example.org');
    expect(toDialUri('agent', ACCOUNT)).toBe('sip:agent@pbx.example.com');
  });

  it('turns tel: and callto: links into numbers on the account domain', () => {
    expect(toDialUri('tel:+1-555-0100;phone-context=x', ACCOUNT)).toBe('sip:+15550100@pbx.example.com');
    expect(toDialUri('callto://+44%2020%207946', ACCOUNT)).toBe('sip:+44207946@pbx.example.com');
  });

  it('refuses what it cannot dial', () => {
    for (const bad of [
      '',
      'javascript:alert(1)',
      'tel:abc',
      'sip:nobody',
      'a b@c d',
      'x@host_with_underscore!',
    ]) {
      expect(() => toDialUri(bad, ACCOUNT), bad).toThrow(DialTargetError);
    }
  });
});

describe('normaliseNumber', () => {
  it('returns undefined for non-numbers', () => {
    expect(normaliseNumber('12ab')).toBeUndefined();
    expect(normaliseNumber('0049 (30) 1234')).toBe('0049301234');
  });
});
