/**
 * The account form's values ⇄ AccountConfig. Pure (no DOM) so the rules are unit-tested: a user name
 * alone becomes sip:name@<domain>, TURN user name/password go on every turn:/turns: URL, and a missing
 * setting gets an error that says what to type and where to find it.
 */
import type { AccountConfig, DtmfMode, IceServerConfig } from '../core/types.js';

export interface AccountFields {
  user: string;
  password: string;
  wsUrl: string;
  domain: string;
  displayName: string;
  authUser: string;
  agentApiUrl: string;
  agentApiToken: string;
  ice: string;
  turnUser: string;
  turnPassword: string;
  dtmf: string;
}

export type FieldName = keyof AccountFields;

export class AccountFieldError extends Error {
  constructor(
    readonly field: FieldName,
    message: string,
  ) {
    super(message);
    this.name = 'AccountFieldError';
  }
}

/** What the page knows before the user types: the agent's own SIP WebSocket and domain, its API. */
export interface AccountDefaults {
  wsUrl?: string;
  domain?: string;
  agentApiUrl?: string;
}

export function fieldsFor(account: AccountConfig | undefined, d: AccountDefaults): AccountFields {
  if (!account)
    return {
      user: '',
      password: '',
      wsUrl: d.wsUrl ?? '',
      domain: d.domain ?? '',
      displayName: '',
      authUser: '',
      agentApiUrl: d.agentApiUrl ?? '',
      agentApiToken: '',
      ice: '',
      turnUser: '',
      turnPassword: '',
      dtmf: 'rfc4733',
    };
  const m = /^sips?:([^@]+)@(.+)$/.exec(account.sipUri);
  const turn = account.iceServers.find((s) => s.username || s.credential);
  return {
    user: m?.[1] ?? account.sipUri,
    password: account.password ?? '',
    wsUrl: account.wsUrl,
    domain: m?.[2] ?? '',
    displayName: account.displayName ?? '',
    authUser: account.authUser ?? '',
    agentApiUrl: account.agentApiUrl ?? '',
    agentApiToken: account.agentApiToken ?? '',
    ice: account.iceServers.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls])).join(', '),
    turnUser: turn?.username ?? '',
    turnPassword: turn?.credential ?? '',
    dtmf: account.dtmfMode,
  };
}

function iceServers(f: AccountFields): IceServerConfig[] {
  const urls = f.ice
    .split(/[,\s]+/)
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of urls)
    if (!/^(stuns?|turns?):/i.test(u))
      throw new AccountFieldError('ice', `"${u}" is not a STUN or TURN URL (stun:host:3478, turn:host:3478)`);
  return urls.map((urls) => {
    const isTurn = /^turns?:/i.test(urls);
    if (isTurn && (!f.turnUser || !f.turnPassword))
      throw new AccountFieldError('turnUser', 'A TURN server needs its user name and password');
    return isTurn ? { urls, username: f.turnUser, credential: f.turnPassword } : { urls };
  });
}

export function accountFromFields(f: AccountFields, id: string): AccountConfig {
  const user = f.user.trim();
  if (!user) throw new AccountFieldError('user', 'Enter your user name (your extension or SIP user)');
  const wsUrl = f.wsUrl.trim();
  if (!/^wss?:\/\/[^\s/]+/i.test(wsUrl))
    throw new AccountFieldError(
      'wsUrl',
      'Enter the WebSocket URL of your phone server (wss://pbx.example.com:8089/ws); your PBX administrator has it',
    );
  let sipUri: string;
  if (/^sips?:/i.test(user)) sipUri = user;
  else if (user.includes('@')) sipUri = `sip:${user}`;
  else {
    const domain = f.domain.trim() || hostOf(wsUrl);
    sipUri = `sip:${user}@${domain}`;
  }
  if (!/^sips?:[^@\s]+@[^@\s]+$/i.test(sipUri))
    throw new AccountFieldError('user', 'The SIP address should look like sip:100@pbx.example.com');
  const apiUrl = f.agentApiUrl.trim();
  if (apiUrl && !/^https?:\/\//i.test(apiUrl))
    throw new AccountFieldError('agentApiUrl', 'The agent API URL starts with http:// or https://');
  const account: AccountConfig = {
    id,
    wsUrl,
    sipUri,
    iceServers: iceServers(f),
    dtmfMode: (f.dtmf === 'info' ? 'info' : 'rfc4733') as DtmfMode,
  };
  const opt = { password: f.password, displayName: f.displayName.trim(), authUser: f.authUser.trim() };
  for (const [k, v] of Object.entries(opt)) if (v) account[k as keyof typeof opt] = v;
  if (apiUrl) account.agentApiUrl = apiUrl;
  if (f.agentApiToken.trim()) account.agentApiToken = f.agentApiToken.trim();
  return account;
}

function hostOf(wsUrl: string): string {
  try {
    return new URL(wsUrl.replace(/^ws/i, 'http')).hostname;
  } catch {
    return '';
  }
}
