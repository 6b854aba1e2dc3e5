/**
 * werift peer connection set up for a softphone leg: no STUN/TURN ever (werift's default is a public
 * Google STUN server), host candidates on the configured address only, G.711 + telephone-event.
 */
import { RTCPeerConnection, RTCRtpCodecParameters, type PeerConfig } from 'werift';

export interface WebRtcPeerOptions {
  /** Address for host candidates (e.g. 127.0.0.1 or the box's LAN address). */
  host: string;
  /** UDP port range for ICE/RTP, inclusive; min < max. */
  portRange?: [number, number];
}

export function audioCodecs(): RTCRtpCodecParameters[] {
  return [
    new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
    new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 }),
    new RTCRtpCodecParameters({
      mimeType: 'audio/telephone-event',
      clockRate: 8000,
      channels: 1,
      payloadType: 101,
    }),
  ];
}

export function peerConfig(o: WebRtcPeerOptions): Partial<PeerConfig> {
  const ipv6 = o.host.includes(':');
  return {
    codecs: { audio: audioCodecs() },
    iceServers: [],
    iceAdditionalHostAddresses: [o.host],
    iceInterfaceAddresses: ipv6 ? { udp6: o.host } : { udp4: o.host },
    iceUseIpv4: !ipv6,
    iceUseIpv6: ipv6,
    icePortRange: o.portRange,
    // Only pair with candidates on the same address family; never reach out elsewhere.
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host.includes(':') === ipv6,
  };
}

export function createWebRtcPeer(o: WebRtcPeerOptions): RTCPeerConnection {
  return new RTCPeerConnection(peerConfig(o));
}

/** Resolves when ICE gathering completes, or after `timeoutMs` with what was gathered. */
export function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') done();
    });
    function done() {
      clearTimeout(timer);
      unSubscribe();
      resolve();
    }
  });
}
