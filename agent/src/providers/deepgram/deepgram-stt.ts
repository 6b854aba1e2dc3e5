/**
 * Streaming STT through the official @deepgram/sdk (5.13): Listen v1 (Nova, interim and final
 * transcripts, endpointing, utterance end) or, when SttOptions.flux is set, Listen v2 — Deepgram
 * Flux on /v2/listen, which decides the end of each turn itself (StartOfTurn, Update,
 * EagerEndOfTurn, TurnResumed, EndOfTurn). The SDK's auto-reconnect (30 attempts by default) is
 * turned off: a call cannot silently lose audio while the socket re-dials; retry and failover
 * belong to one layer above us.
 */
import { DeepgramClient } from '@deepgram/sdk';
import type { Clock } from '../../time/clock.js';
import type { Logger } from '../../log.js';
import { ProviderError } from '../errors.js';
import type { SttOptions, SttProvider, SttStream } from '../types.js';
import { connectError, toHttpBase, toWebSocketBase } from '../ws-handshake.js';
import { flag } from './deepgram-messages.js';
import { listenV1Socket, listenV2Socket, type DeepgramSocket } from './deepgram-socket.js';
import { DeepgramSttStream } from './deepgram-stream.js';

export interface DeepgramSttConfig {
  /** Missing key → connect() rejects with ProviderError auth_failed (start-up does not need it). */
  apiKey: string | undefined;
  /** http(s):// or ws(s):// base, e.g. ws://127.0.0.1:4010 for a local fake. Default Deepgram cloud. */
  baseUrl?: string | undefined;
  connectTimeoutMs?: number;
  /** Send KeepAlive when no audio went out for this long (Deepgram closes idle sockets after ~10 s). */
  keepAliveMs?: number;
  /** After end(), how long to wait for the server to close before closing ourselves. */
  closeStreamTimeoutMs?: number;
  clock?: Clock;
  log?: Logger;
}

export class DeepgramStt implements SttProvider {
  readonly name = 'deepgram';
  private client: DeepgramClient | undefined;

  constructor(private readonly config: DeepgramSttConfig) {}

  private getClient(): DeepgramClient {
    if (!this.config.apiKey) {
      throw new ProviderError('stt', 'auth_failed', 'DEEPGRAM_API_KEY is not set', false);
    }
    if (!this.client) {
      const base = this.config.baseUrl;
      this.client = new DeepgramClient({
        apiKey: this.config.apiKey,
        ...(base
          ? {
              environment: {
                base: toHttpBase(base),
                production: toWebSocketBase(base),
                agent: toWebSocketBase(base),
                agentRest: toHttpBase(base),
              },
            }
          : {}),
      });
    }
    return this.client;
  }

  async connect(options: SttOptions): Promise<SttStream> {
    const client = this.getClient();
    if (options.signal.aborted) throw new ProviderError('stt', 'aborted', 'aborted before connect', false);
    const timeoutMs = this.config.connectTimeoutMs ?? 5000;
    let socket: DeepgramSocket;
    try {
      socket = options.flux
        ? await this.connectFlux(client, options, timeoutMs)
        : await this.connectV1(client, options, timeoutMs);
    } catch (err) {
      throw connectError('stt', options.flux ? 'Deepgram Flux' : 'Deepgram', err);
    }
    const stream = new DeepgramSttStream(socket, options, this.config);
    await stream.open(timeoutMs);
    return stream;
  }

  private async connectV1(client: DeepgramClient, o: SttOptions, timeoutMs: number): Promise<DeepgramSocket> {
    const socket = await client.listen.v1.connect({
      model: o.model ?? 'nova-3',
      language: o.language,
      encoding: 'linear16',
      sample_rate: o.sampleRate,
      channels: 1,
      interim_results: flag(true),
      endpointing: o.endpointingMs,
      utterance_end_ms: o.utteranceEndMs,
      vad_events: flag(true),
      smart_format: flag(true),
      punctuate: flag(true),
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: timeoutMs / 1000,
    });
    return listenV1Socket(socket);
  }

  /** Flux takes linear16 only (research anchors §1.5); the fork already delivers L16. */
  private async connectFlux(
    client: DeepgramClient,
    o: SttOptions,
    timeoutMs: number,
  ): Promise<DeepgramSocket> {
    const flux = o.flux!;
    const socket = await client.listen.v2.connect({
      model: flux.model,
      encoding: 'linear16',
      sample_rate: o.sampleRate,
      eot_threshold: flux.eotThreshold,
      ...(flux.eagerEotThreshold !== undefined ? { eager_eot_threshold: flux.eagerEotThreshold } : {}),
      eot_timeout_ms: flux.eotTimeoutMs,
      reconnectAttempts: 0,
      connectionTimeoutInSeconds: timeoutMs / 1000,
    });
    return listenV2Socket(socket);
  }
}
