/** Shapes shared by the phone core, the renderer and the Electron bridge. No sip.js or DOM imports here. */

export type DtmfMode = 'rfc4733' | 'info';

export interface IceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface AccountConfig {
  id: string;
  /** WebSocket URL of the SIP server, wss:// (ws:// only for loopback tests). */
  wsUrl: string;
  /** Address of record, e.g. sip:100@pbx.example.com. */
  sipUri: string;
  /** Digest user name; defaults to the user part of sipUri. */
  authUser?: string;
  password?: string;
  displayName?: string;
  /** STUN/TURN servers. Empty means host candidates only (LAN, loopback). */
  iceServers: IceServerConfig[];
  dtmfMode: DtmfMode;
  /** REGISTER expiry in seconds (default 300). */
  registerExpires?: number;
  /** Base URL of a Switchboard agent's HTTP server, for the live agent panel (e.g. https://agent.example.com). */
  agentApiUrl?: string;
  /** SWITCHBOARD_API_TOKEN of that agent, when it has one. */
  agentApiToken?: string;
  enabled?: boolean;
}

export type RegistrationState =
  | 'idle'
  | 'connecting'
  | 'registering'
  | 'registered'
  | 'retrying'
  | 'unregistering'
  | 'stopped'
  /** Gave up: the server refused the credentials (see `failure`). */
  | 'failed';

export interface RegistrationStatus {
  accountId: string;
  state: RegistrationState;
  /** Why the last attempt failed, if it did. */
  error?: string;
  /** Set in state 'failed': why registration stopped for good. */
  failure?: 'wrong_password';
  /** Epoch-free timer time (ms, from the injected timer) of the next retry while retrying. */
  retryAt?: number;
  attempt: number;
}

export type CallDirection = 'outgoing' | 'incoming';

export type CallState = 'dialing' | 'ringing' | 'active' | 'held' | 'ended';

export interface CallQuality {
  jitterMs?: number;
  /** Lost / (received + lost), percent, since the call began. */
  packetLossPct?: number;
  rttMs?: number;
  packetsReceived?: number;
  codec?: string;
}

export interface CallSnapshot {
  id: string;
  accountId: string;
  /** SIP Call-ID of the dialog; the agent uses it as the fork callId. */
  sipCallId: string;
  direction: CallDirection;
  state: CallState;
  remoteUri: string;
  remoteName?: string;
  muted: boolean;
  /** Incoming while another call is up (call waiting). */
  waiting: boolean;
  startedAt: number;
  answeredAt?: number;
  quality?: CallQuality;
  endReason?: CallEndReason;
}

export type CallEndReason =
  'completed' | 'missed' | 'declined' | 'cancelled' | 'busy' | 'failed' | 'transferred' | 'rejected';

export interface HistoryEntry {
  id: string;
  accountId: string;
  direction: CallDirection;
  remoteUri: string;
  remoteName?: string;
  /** Epoch ms (wall clock). */
  startedAt: number;
  durationMs: number;
  result: CallEndReason;
}
