/**
 * TEST-ONLY: a sip.js SessionDescriptionHandler over werift, so a real sip.js UserAgent makes and
 * answers WebRTC (UDP/TLS/RTP/SAVPF) offers in Node. Media is WeriftPhoneMedia (tone out, counts in).
 */
import type { BodyAndContentType, SessionDescriptionHandler } from 'sip.js';
import { WeriftPhoneMedia } from './werift-phone-media.js';

export const sipjsPeers: WeriftPhoneMedia[] = [];
let portCursor = 0;

export class WeriftSessionDescriptionHandler implements SessionDescriptionHandler {
  readonly media: WeriftPhoneMedia;

  constructor() {
    const base = 29300 + (portCursor++ % 10) * 10;
    this.media = new WeriftPhoneMedia([base, base + 9], 660);
    sipjsPeers.push(this.media);
  }

  async getDescription(): Promise<BodyAndContentType> {
    const sdp =
      this.media.pc.signalingState === 'have-remote-offer'
        ? await this.media.answer()
        : await this.media.createOffer();
    return { body: sdp, contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType === 'application/sdp';
  }

  async setDescription(sdp: string): Promise<void> {
    const type = this.media.pc.signalingState === 'have-local-offer' ? 'answer' : 'offer';
    await this.media.pc.setRemoteDescription({ type, sdp });
  }

  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    this.media.close();
  }
}
