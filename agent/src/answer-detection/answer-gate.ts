/**
 * The front of an outbound call's conversation: until the answer classifier has decided who picked
 * up, the callee's audio goes to it (and to a speech-to-text stream of its own, whose transcript it
 * reads for cues) and is kept; then the profile's policy (answer-policy.ts) decides. A person, an IVR
 * to navigate or a screening assistant to answer: the conversation starts and hears the kept audio
 * first, so it replies to the "hello?". A voicemail: wait for the beep (or the end of the greeting),
 * speak the profile's message, hang up — or hang up at once. A CallHandler wrapping a CallHandler.
 */
import type { Clock } from '../time/clock.js';
import type { AgentProfile } from '../config/profile-schema.js';
import type { CallChannel, CallEvent, CallHandler } from '../conversation/call-channel.js';
import type { CallEndReason } from '../conversation/call-record.js';
import { sleep } from '../conversation/clock-sleep.js';
import type { Logger } from '../log.js';
import type { Pcm16 } from '../audio/pcm.js';
import type { Providers, SttStream } from '../providers/types.js';
import { AnswerClassifier } from './answer-classifier.js';
import { actionFor, profileForAction, type AnswerAction } from './answer-policy.js';
import type { AnswerDecision, AnswerThresholds } from './answer-types.js';

export interface AnswerRecordEntry {
  kind: string;
  reason: string;
  latencyMs: number;
  action: AnswerAction;
}

export interface AnswerGateDeps {
  channel: CallChannel;
  profile: AgentProfile;
  providers: Pick<Providers, 'stt' | 'tts'>;
  clock: Clock;
  log: Logger;
  startConversation(profile: AgentProfile): CallHandler;
  /** The decision (and any revision) for the call record. */
  onDecision(entry: AnswerRecordEntry): void;
  thresholds?: Partial<AnswerThresholds>;
}

/** Callee audio kept for the conversation while deciding (beyond this the oldest goes). */
const MAX_KEPT_MS = 20_000;
/** After the message's last audio was sent, before the hang-up: the jitter buffer's tail. */
const PLAYOUT_MARGIN_MS = 400;

export class AnswerGate implements CallHandler {
  private readonly classifier: AnswerClassifier;
  private readonly abort = new AbortController();
  private readonly kept: Pcm16[] = [];
  private keptSamples = 0;
  private stt: SttStream | undefined;
  private conversation: CallHandler | undefined;
  private action: AnswerAction | undefined;
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  static start(d: AnswerGateDeps): AnswerGate {
    const gate = new AnswerGate(d);
    void gate.run();
    return gate;
  }

  private constructor(private readonly d: AnswerGateDeps) {
    this.log = d.log.child({ component: 'answer-gate' });
    this.classifier = new AnswerClassifier({
      sampleRate: d.channel.metadata.sampleRate,
      clock: d.clock,
      ...(d.thresholds ? { thresholds: d.thresholds } : {}),
    });
  }

  onAudio(pcm: Pcm16): void {
    if (this.conversation) return this.conversation.onAudio(pcm);
    if (this.closing) return;
    // On voicemail the classifier listens on for the beep (or the end of the greeting).
    if (!this.action || this.action === 'leave_message') this.classifier.push(pcm);
    if (this.action) return;
    this.stt?.push(pcm);
    this.kept.push(pcm);
    this.keptSamples += pcm.length;
    while (
      this.keptSamples > (MAX_KEPT_MS / 1000) * this.d.channel.metadata.sampleRate &&
      this.kept.length > 1
    )
      this.keptSamples -= this.kept.shift()!.length;
  }

  onEvent(event: CallEvent): void {
    if (this.conversation) return this.conversation.onEvent(event);
    if (event.type === 'hangup') void this.close(event.reason);
  }

  close(reason: CallEndReason): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort();
      this.classifier.close();
      this.stt?.close();
      await this.conversation?.close(reason);
    })();
    return this.closing;
  }

  private async run(): Promise<void> {
    void this.transcribe();
    for await (const ev of this.classifier) {
      if (this.closing) return;
      if (ev.type === 'decision') this.decided(ev.decision);
      else if (ev.type === 'revised') this.revised(ev.decision);
      else if (ev.type === 'leave_message' && this.action === 'leave_message') void this.leaveMessage();
    }
  }

  /** The gate's own STT: the transcript so far (finals, then the current interim) goes to the classifier. */
  private async transcribe(): Promise<void> {
    const p = this.d.profile;
    try {
      this.stt = await this.d.providers.stt.connect({
        sampleRate: this.d.channel.metadata.sampleRate,
        language: p.language,
        model: p.stt.model,
        endpointingMs: p.stt.endpointingMs,
        utteranceEndMs: p.stt.utteranceEndMs,
        signal: this.abort.signal,
      });
      for (const pcm of this.kept) this.stt.push(pcm); // what arrived while it connected
      let finals = '';
      for await (const ev of this.stt) {
        if (ev.type !== 'transcript') continue;
        const text = `${finals} ${ev.text}`.trim();
        if (ev.isFinal) finals = text;
        this.classifier.transcript(text);
      }
    } catch (err) {
      if (!this.abort.signal.aborted)
        this.log.warn({ err }, 'answer detection STT failed; deciding on audio alone');
    }
  }

  private decided(decision: AnswerDecision): void {
    const action = actionFor(decision.kind, this.d.profile.answerDetection);
    this.action = action;
    this.report(decision, action);
    this.stt?.close();
    if (action === 'hang_up') return this.d.channel.hangup('agent_hangup');
    if (action === 'leave_message') return; // the classifier says when the greeting is over
    this.conversation = this.d.startConversation(profileForAction(this.d.profile, action));
    for (const pcm of this.kept.splice(0)) this.conversation.onAudio(pcm);
  }

  /** A person turned out to be a machine: hang up if the policy says so; otherwise the conversation goes on. */
  private revised(decision: AnswerDecision): void {
    const action = actionFor(decision.kind, this.d.profile.answerDetection);
    this.report(decision, action);
    if (action === 'hang_up') this.d.channel.hangup('agent_hangup');
  }

  private report(decision: AnswerDecision, action: AnswerAction): void {
    this.log.info(
      {
        kind: decision.kind,
        reason: decision.reason,
        latencyMs: decision.latencyMs,
        action,
        revises: decision.revises,
      },
      'answer classified',
    );
    this.d.onDecision({
      kind: decision.kind,
      reason: decision.reason,
      latencyMs: decision.latencyMs,
      action,
    });
  }

  /** Speak the voicemail message (the greeting is over), let it play out, hang up. */
  private async leaveMessage(): Promise<void> {
    const p = this.d.profile;
    const rate = this.d.channel.metadata.playbackSampleRate;
    try {
      const tts = await this.d.providers.tts.connect({
        sampleRate: rate,
        voice: p.voice,
        language: p.language,
        model: p.tts.model,
        signal: this.abort.signal,
      });
      const started = this.d.clock.now();
      let samples = 0;
      const u = tts.utterance();
      u.pushText(p.answerDetection.voicemail.message);
      u.end();
      for await (const ev of u) {
        if (ev.type !== 'audio' || this.closing) continue;
        this.d.channel.sendAudio(ev.pcm);
        samples += ev.pcm.length;
      }
      tts.close();
      const playedAt = started + (samples / rate) * 1000 + PLAYOUT_MARGIN_MS;
      await sleep(this.d.clock, Math.max(0, playedAt - this.d.clock.now()), this.abort.signal);
      this.log.info({ messageMs: Math.round((samples / rate) * 1000) }, 'voicemail message left');
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.log.warn({ err }, 'voicemail message failed');
    }
    if (!this.closing) this.d.channel.hangup('agent_hangup');
  }
}
