/**
 * TEST-ONLY agent side of the fork protocol: records the metadata, the caller's PCM and the notices
 * a media half sends, and can send agent audio and commands back, over a real WebSocket.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { pcmFromBytes, type Pcm16 } from '../../../../audio/pcm.js';
import {
  decodeInbound,
  decodeMetadata,
  encodeCommand,
  encodeAudioOut,
  type InboundMessage,
  type OutboundCommand,
} from '../../../../fork/protocol.js';
import type { CallMetadata } from '../../../../conversation/call-channel.js';

export class ForkRecorder {
  metadata: CallMetadata | undefined;
  readonly callerFrames: Pcm16[] = [];
  readonly notices: InboundMessage[] = [];
  closeCode: number | undefined;
  private socket: WebSocket | undefined;

  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.socket = ws;
      ws.on('message', (data: Buffer, binary) => {
        if (binary) this.callerFrames.push(pcmFromBytes(data).slice());
        else if (!this.metadata) this.metadata = decodeMetadata(data.toString());
        else this.notices.push(decodeInbound(data.toString()));
      });
      ws.on('close', (code) => (this.closeCode = code));
    });
  }

  static async listen(port = 0): Promise<ForkRecorder> {
    const wss = new WebSocketServer({ port, host: '127.0.0.1', handleProtocols: () => 'audio.drachtio.org' });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return new ForkRecorder(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as { port: number }).port}/fork`;
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Agent audio, sent ahead of real time as the agent does; the media side paces it. */
  sendAudio(pcm: Pcm16, frameSamples = 160): void {
    for (let i = 0; i < pcm.length; i += frameSamples) {
      this.socket?.send(encodeAudioOut(pcm.subarray(i, i + frameSamples)), { binary: true });
    }
  }

  command(cmd: OutboundCommand): void {
    this.socket?.send(encodeCommand(cmd));
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

export function tone(hz: number, ms: number, rate = 8000, amplitude = 8000): Pcm16 {
  const out = new Int16Array(Math.round((ms * rate) / 1000));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}
