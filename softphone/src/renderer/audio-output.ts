/**
 * Remote call audio and alerts: one <audio> element per call on the chosen speaker; the chosen
 * ringtone on the ringer device, or, while another call is up, a short call-waiting tone on the
 * speaker (the person is wearing the headset). setSinkId where the browser supports it.
 */
import { callWaitingWav, ringtoneWav, type Ringtone } from './sounds.js';
type SinkAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

export class AudioOutput {
  private readonly elements = new Map<string, SinkAudio>();
  private alert: { kind: 'ring' | 'waiting'; el: SinkAudio } | undefined;
  private ringtone: Ringtone = 'classic';
  private speakerId = '';
  private ringerId = '';

  attach(callId: string, stream: MediaStream): void {
    let el = this.elements.get(callId);
    if (!el) {
      el = document.createElement('audio') as SinkAudio;
      el.autoplay = true;
      this.elements.set(callId, el);
      document.body.append(el);
      if (this.speakerId) void el.setSinkId?.(this.speakerId).catch(() => undefined);
    }
    el.srcObject = stream;
    void el.play().catch(() => undefined);
  }

  detach(callId: string): void {
    const el = this.elements.get(callId);
    if (!el) return;
    el.srcObject = null;
    el.remove();
    this.elements.delete(callId);
  }

  async setSpeaker(deviceId: string): Promise<void> {
    this.speakerId = deviceId;
    await Promise.all(
      [...this.elements.values()].map((el) => el.setSinkId?.(deviceId).catch(() => undefined)),
    );
  }

  async setRinger(deviceId: string): Promise<void> {
    this.ringerId = deviceId;
    if (this.alert?.kind === 'ring') await this.alert.el.setSinkId?.(deviceId).catch(() => undefined);
  }

  /** The sound playing now ('ring', 'waiting'), for the UI and tests. */
  get alerting(): 'ring' | 'waiting' | undefined {
    return this.alert?.kind;
  }

  setRingtone(kind: Ringtone): void {
    this.ringtone = kind;
    if (this.alert?.kind === 'ring') {
      this.stopRinging();
      this.startRinging(false);
    }
  }

  /** A call rings: the ringtone, or with another call up the call-waiting tone. */
  startRinging(waiting: boolean): void {
    const kind = waiting ? 'waiting' : 'ring';
    if (this.alert?.kind === kind) return;
    this.stopRinging();
    const blob = waiting ? callWaitingWav() : ringtoneWav(this.ringtone);
    if (!blob) return;
    const el = document.createElement('audio') as SinkAudio;
    el.src = URL.createObjectURL(blob);
    el.loop = true;
    const sink = waiting ? this.speakerId : this.ringerId;
    if (sink) void el.setSinkId?.(sink).catch(() => undefined);
    this.alert = { kind, el };
    void el.play().catch(() => undefined);
  }

  /** Play the ringtone once (settings preview). */
  preview(kind: Ringtone): void {
    const blob = ringtoneWav(kind);
    if (!blob) return;
    const el = document.createElement('audio') as SinkAudio;
    el.src = URL.createObjectURL(blob);
    if (this.ringerId) void el.setSinkId?.(this.ringerId).catch(() => undefined);
    el.addEventListener('ended', () => URL.revokeObjectURL(el.src));
    void el.play().catch(() => undefined);
  }

  stopRinging(): void {
    if (!this.alert) return;
    this.alert.el.pause();
    URL.revokeObjectURL(this.alert.el.src);
    this.alert = undefined;
  }
}
