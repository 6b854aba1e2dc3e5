/**
 * The two Deepgram listen sockets of @deepgram/sdk (v1 = Nova, v2 = Flux) behind one small shape,
 * with the message mapping that goes with each. v2 has no Finalize or KeepAlive: Flux ends turns
 * itself, and a call sends audio (or silence) all the time.
 */
import type { DeepgramClient } from '@deepgram/sdk';
import type { SttEvent } from '../types.js';
import { sttEventFromFlux } from './deepgram-flux-messages.js';
import { sttEventFromDeepgram } from './deepgram-messages.js';

type V1Socket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;
type V2Socket = Awaited<ReturnType<DeepgramClient['listen']['v2']['connect']>>;

export interface DeepgramSocket {
  /** For logs and errors: "Deepgram" or "Deepgram Flux". */
  readonly vendor: string;
  onOpen(cb: () => void): void;
  onMessage(cb: (msg: unknown) => void): void;
  onError(cb: (err: unknown) => void): void;
  onClose(cb: (code: number) => void): void;
  connect(): void;
  close(): void;
  sendMedia(bytes: Uint8Array): void;
  closeStream(): void;
  finalize?(): void;
  keepAlive?(): void;
  toEvent(msg: unknown): SttEvent | undefined;
}

export function listenV1Socket(s: V1Socket): DeepgramSocket {
  return {
    vendor: 'Deepgram',
    onOpen: (cb) => s.on('open', cb),
    onMessage: (cb) => s.on('message', cb),
    onError: (cb) => s.on('error', cb),
    onClose: (cb) => s.on('close', (ev) => cb(ev.code)),
    connect: () => void s.connect(),
    close: () => s.close(),
    sendMedia: (bytes) => s.sendMedia(bytes),
    closeStream: () => s.sendCloseStream({ type: 'CloseStream' }),
    finalize: () => s.sendFinalize({ type: 'Finalize' }),
    keepAlive: () => s.sendKeepAlive({ type: 'KeepAlive' }),
    toEvent: sttEventFromDeepgram,
  };
}

export function listenV2Socket(s: V2Socket): DeepgramSocket {
  return {
    vendor: 'Deepgram Flux',
    onOpen: (cb) => s.on('open', cb),
    onMessage: (cb) => s.on('message', cb),
    onError: (cb) => s.on('error', cb),
    onClose: (cb) => s.on('close', (ev) => cb(ev.code)),
    connect: () => void s.connect(),
    close: () => s.close(),
    sendMedia: (bytes) => s.sendMedia(bytes),
    closeStream: () => s.sendCloseStream({ type: 'CloseStream' }),
    toEvent: sttEventFromFlux,
  };
}
