/**
 * TEST-ONLY: the media half of a softphone in Node, on werift (real ICE + DTLS-SRTP, host candidates on
 * 127.0.0.1 only, never STUN). Makes or answers WebRTC offers (UDP/TLS/RTP/SAVPF), sends a PCMU tone
 * every 20 ms once DTLS is up, and counts and decodes what it receives.
 */
import { RtpHeader, RtpPacket, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { decodeG711, encodeG711 } from '../../../audio/g711.js';
import { createWebRtcPeer, gatheringComplete } from '../webrtc/webrtc-peer.js';

export class WeriftPhoneMedia {
  readonly pc: RTCPeerConnection;
  readonly transceiver: RTCRtpTransceiver;
  packetsReceived = 0;
  /** Largest absolute sample decoded from received PCMU/PCMA. */
  peak = 0;
  private sendTimer: ReturnType<typeof setInterval> | undefined;
  private seq = 0;
  private ts = 0;
  private closed = false;

  constructor(
    portRange: [number, number],
    private readonly toneHz = 440,
  ) {
    this.pc = createWebRtcPeer({ host: '127.0.0.1', portRange });
    this.transceiver = this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    this.pc.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((rtp) => {
        this.packetsReceived++;
        const law = rtp.header.payloadType === 8 ? 'PCMA' : rtp.header.payloadType === 0 ? 'PCMU' : undefined;
        if (!law) return;
        for (const s of decodeG711(law, rtp.payload)) this.peak = Math.max(this.peak, Math.abs(s));
      }),
    );
    this.pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected') this.startSending();
    });
  }

  async createOffer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gatheringComplete(this.pc, 3000);
    return this.pc.localDescription!.sdp;
  }

  async applyAnswer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  /** Answer `offer`, or the remote offer already applied. */
  async answer(offer?: string): Promise<string> {
    if (offer !== undefined) await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await gatheringComplete(this.pc, 3000);
    return this.pc.localDescription!.sdp;
  }

  get connected(): boolean {
    return this.pc.connectionState === 'connected';
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sendTimer) clearInterval(this.sendTimer);
    this.pc.close().catch(() => undefined);
  }

  private startSending(): void {
    if (this.sendTimer || this.closed) return;
    this.sendTimer = setInterval(() => {
      const pcm = new Int16Array(160);
      for (let i = 0; i < 160; i++)
        pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * this.toneHz * (this.ts + i)) / 8000));
      const header = new RtpHeader({
        payloadType: 0,
        sequenceNumber: this.seq,
        timestamp: this.ts,
        marker: this.seq === 0,
      });
      this.seq = (this.seq + 1) & 0xffff;
      this.ts += 160;
      const payload = Buffer.from(encodeG711('PCMU', pcm));
      this.transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
    }, 20);
  }
}
