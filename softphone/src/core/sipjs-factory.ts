/** The real SipFactory over sip.js 0.21.2 (browser / Electron renderer). */
import { Inviter, Registerer, UserAgent, type UserAgentOptions } from 'sip.js';
import type { SipFactory, UserAgentLike, UserAgentSettings } from './sip-port.js';

export function userAgentOptions(s: UserAgentSettings): UserAgentOptions {
  const uri = UserAgent.makeURI(s.uri);
  if (!uri) throw new Error(`invalid SIP URI ${s.uri}`);
  return {
    uri,
    authorizationUsername: s.authUser,
    authorizationPassword: s.password,
    displayName: s.displayName ?? '',
    transportOptions: { server: s.wsUrl, connectionTimeout: 5 },
    // Reconnection is ours (registration.ts); the deprecated built-in loop would race it.
    reconnectionAttempts: 0,
    logLevel: 'warn',
    sipExtensionReplaces: 'Supported' as UserAgentOptions['sipExtensionReplaces'],
    sessionDescriptionHandlerFactoryOptions: {
      iceGatheringTimeout: s.iceGatheringTimeoutMs,
      // Never fall back to sip.js's default public STUN server: an empty list means host candidates only.
      peerConnectionConfiguration: {
        iceServers: s.iceServers,
        bundlePolicy: 'balanced',
        rtcpMuxPolicy: 'require',
      },
    },
  };
}

/** The core only ever hands back user agents this factory made. */
function asUserAgent(ua: UserAgentLike): UserAgent {
  if (!(ua instanceof UserAgent)) throw new TypeError('not a sip.js UserAgent');
  return ua;
}

export const sipJsFactory: SipFactory = {
  createUserAgent: (s, d) =>
    new UserAgent({
      ...userAgentOptions(s),
      delegate: {
        onConnect: () => d.onConnect?.(),
        onDisconnect: (err) => d.onDisconnect?.(err),
        onInvite: (inv) => d.onInvite?.(inv),
      },
    }),
  createRegisterer: (ua, o) => new Registerer(asUserAgent(ua), o),
  createInviter(ua, target, o) {
    const uri = UserAgent.makeURI(target);
    if (!uri) throw new Error(`invalid SIP URI ${target}`);
    return new Inviter(asUserAgent(ua), uri, {
      extraHeaders: o.extraHeaders ?? [],
      sessionDescriptionHandlerOptions: { constraints: { audio: o.audio ?? true, video: false } },
    });
  },
  makeUri: (uri) => UserAgent.makeURI(uri),
};
