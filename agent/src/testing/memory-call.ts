/** An in-memory CallChannel recording everything the engine sends, and an observer recording reports. */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import type { CallChannel } from '../conversation/call-channel.js';
import type {
  CallEndInfo,
  CallObserver,
  CallStartInfo,
  LiveEvent,
  TurnRecord,
} from '../conversation/call-record.js';
import type { CallMetadata } from '../conversation/call-channel.js';

export type ChannelCommand =
  | { type: 'audio'; samples: number; at: number }
  | { type: 'killAudio'; at: number }
  | { type: 'mark'; name: string; at: number }
  | { type: 'clearMarks'; at: number }
  | { type: 'transfer'; target: string; at: number }
  | { type: 'dtmf'; digits: string; at: number }
  | { type: 'hangup'; reason: string; at: number };

export class MemoryCallChannel implements CallChannel {
  readonly metadata: CallMetadata;
  readonly commands: ChannelCommand[] = [];
  audioSamples = 0;
  /** Called on each command, e.g. to answer a transfer. */
  onCommand: ((c: ChannelCommand) => void) | undefined;

  constructor(
    private readonly clock: Clock,
    meta: Partial<CallMetadata> = {},
  ) {
    this.metadata = {
      callId: 'call-1',
      from: '+15550001111',
      to: '7000',
      sampleRate: 8000,
      playbackSampleRate: 8000,
      source: 'test',
      extra: {},
      ...meta,
    };
  }

  sendAudio(pcm: Pcm16): void {
    if (pcm.length === 0) throw new Error('empty audio frame sent');
    this.audioSamples += pcm.length;
    this.record({ type: 'audio', samples: pcm.length, at: this.clock.now() });
  }
  killAudio(): void {
    this.record({ type: 'killAudio', at: this.clock.now() });
  }
  mark(name: string): void {
    this.record({ type: 'mark', name, at: this.clock.now() });
  }
  clearMarks(): void {
    this.record({ type: 'clearMarks', at: this.clock.now() });
  }
  transfer(target: string): void {
    this.record({ type: 'transfer', target, at: this.clock.now() });
  }
  sendDtmf(digits: string): void {
    this.record({ type: 'dtmf', digits, at: this.clock.now() });
  }
  hangup(reason: string): void {
    this.record({ type: 'hangup', reason, at: this.clock.now() });
  }

  of<T extends ChannelCommand['type']>(type: T): Extract<ChannelCommand, { type: T }>[] {
    return this.commands.filter((c): c is Extract<ChannelCommand, { type: T }> => c.type === type);
  }

  audioMs(): number {
    return (this.audioSamples * 1000) / this.metadata.playbackSampleRate;
  }

  private record(c: ChannelCommand): void {
    this.commands.push(c);
    this.onCommand?.(c);
  }
}

export class MemoryObserver implements CallObserver {
  started: CallStartInfo | undefined;
  ended: CallEndInfo | undefined;
  readonly turns: TurnRecord[] = [];
  readonly events: LiveEvent[] = [];
  readonly liveCallIds = new Set<string>();

  callStarted(info: CallStartInfo): void {
    this.started = info;
  }
  turnCompleted(turn: TurnRecord): void {
    this.turns.push(turn);
  }
  live(callId: string, event: LiveEvent): void {
    this.liveCallIds.add(callId);
    this.events.push(event);
  }
  callEnded(info: CallEndInfo): void {
    this.ended = info;
  }
  states(): string[] {
    return this.events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
  }
}
