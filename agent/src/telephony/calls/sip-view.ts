/**
 * Neutral views of SIP requests and replies that call control decides on. Each back-end builds them
 * from its own messages (the embedded stack's SipRequest, drachtio-srf's Request) and writes the
 * replies back in its own way; nothing here knows which.
 */

/** Where a request came from, as both back-ends can tell it. */
export interface CallSource {
  transport: string;
  address: string;
  port: number;
  /** The TCP/WebSocket connection it arrived on, when the back-end knows it (embedded). */
  connectionId?: number;
}

/** A response call control wants sent: status, optional reason phrase, header lines in order. */
export interface SipReply {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
}

/** The parts of an incoming INVITE that admission looks at. */
export interface IncomingCall {
  source: CallSource;
  /** User part of the Request-URI (DID, extension, softphone user, or our secret Contact user). */
  requestUser: string | undefined;
  /** Authorization values, then Proxy-Authorization values. */
  credentials: string[];
}

/** The parts of a REGISTER the softphone registrar looks at. */
export interface RegisterRequest<F extends CallSource = CallSource> {
  /** The AoR user (To). */
  user: string | undefined;
  /** Contact values, one contact each (comma lists already split), or ['*']. */
  contacts: string[];
  /** The Expires header, as written. */
  expires: string | undefined;
  authorization: string | undefined;
  callId: string;
  cseq: number;
  /** Supported option tags, lower case. */
  supported: string[];
  source: F;
}
