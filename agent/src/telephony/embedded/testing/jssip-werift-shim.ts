/**
 * TEST-ONLY: lets JsSIP place and answer real WebRTC calls in Node. JsSIP reaches for the browser's
 * `window.RTCPeerConnection` and `RTCSessionDescription`; this installs a small RTCPeerConnection over
 * werift (WeriftPhoneMedia: audio transceiver, host candidates on 127.0.0.1, PCMU tone out) and the
 * `ws` package as the WebSocket. Every peer JsSIP creates is kept in `jssipPeers` for assertions.
 */
import { WebSocket } from 'ws';
import { WeriftPhoneMedia } from './werift-phone-media.js';

type Listener = (event: { candidate?: unknown }) => void;

export const jssipPeers: JssipWeriftPeer[] = [];
let portCursor = 0;

export class JssipWeriftPeer {
  readonly media: WeriftPhoneMedia;
  private readonly listeners = new Map<string, Set<Listener>>();
  private gathered = false;

  constructor() {
    const base = 29100 + (portCursor++ % 20) * 10;
    this.media = new WeriftPhoneMedia([base, base + 9]);
    this.media.pc.iceConnectionStateChange.subscribe(() => this.emit('iceconnectionstatechange'));
    jssipPeers.push(this);
  }

  get iceConnectionState(): string {
    return this.media.pc.iceConnectionState;
  }

  get iceGatheringState(): string {
    return this.gathered ? 'complete' : this.media.pc.iceGatheringState;
  }

  get signalingState(): string {
    return this.media.pc.signalingState;
  }

  get localDescription(): { type: string; sdp: string } | null {
    const d = this.media.pc.localDescription;
    return d ? { type: d.type, sdp: d.sdp } : null;
  }

  createOffer(): Promise<{ type: string; sdp: string }> {
    return this.media.pc.createOffer();
  }

  createAnswer(): Promise<{ type: string; sdp: string }> {
    return this.media.pc.createAnswer();
  }

  /** Resolves once ICE gathering is done, so JsSIP reads a complete SDP at once. */
  async setLocalDescription(desc: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    this.gathered = false;
    await this.media.pc.setLocalDescription(desc);
    await new Promise<void>((resolve) => {
      const end = Date.now() + 3000;
      const check = (): void => {
        if (this.media.pc.iceGatheringState === 'complete' || Date.now() > end) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    this.gathered = true;
  }

  async setRemoteDescription(desc: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    await this.media.pc.setRemoteDescription({ type: desc.type, sdp: desc.sdp });
  }

  getSenders(): unknown[] {
    return [];
  }

  getReceivers(): unknown[] {
    return [];
  }

  addEventListener(type: string, fn: Listener): void {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    set.add(fn);
    this.listeners.set(type, set);
  }

  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn);
  }

  close(): void {
    this.media.close();
  }

  private emit(type: string): void {
    for (const fn of this.listeners.get(type) ?? []) fn({});
  }
}

class SessionDescriptionShim {
  readonly type: string;
  readonly sdp: string;
  constructor(init: { type: string; sdp: string }) {
    this.type = init.type;
    this.sdp = init.sdp;
  }
}

/** Install the globals JsSIP needs in Node (idempotent; vitest isolates test files). */
export function installJssipGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.WebSocket ??= WebSocket;
  g.window ??= globalThis;
  g.RTCPeerConnection = JssipWeriftPeer;
  g.RTCSessionDescription = SessionDescriptionShim;
}
