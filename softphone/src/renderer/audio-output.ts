/**
 * Remote call audio and the ringtone: one <audio> element per call on the chosen speaker, and a
 * generated ring tone on the chosen ringer device (setSinkId where the browser supports it).
 */
type SinkAudio = HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };

function ringWav(): Blob {
  const rate = 8000;
  const samples = rate * 3;
  const buf = new DataView(new ArrayBuffer(44 + samples * 2));
  const str = (o: number, s: string) => [...s].forEach((c, i) => buf.setUint8(o + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  buf.setUint32(4, 36 + samples * 2, true);
  str(8, 'WAVEfmt ');
  buf.setUint32(16, 16, true);
  buf.setUint16(20, 1, true);
  buf.setUint16(22, 1, true);
  buf.setUint32(24, rate, true);
  buf.setUint32(28, rate * 2, true);
  buf.setUint16(32, 2, true);
  buf.setUint16(34, 16, true);
  str(36, 'data');
  buf.setUint32(40, samples * 2, true);
  for (let i = 0; i < samples; i++) {
    const on = i < rate * 2 && i % 4000 < 3200; // ring-ring, then a pause
    const v = on
      ? 0.3 * (Math.sin((2 * Math.PI * 440 * i) / rate) + Math.sin((2 * Math.PI * 480 * i) / rate))
      : 0;
    buf.setInt16(44 + i * 2, Math.round(v * 16000), true);
  }
  return new Blob([buf.buffer], { type: 'audio/wav' });
}

export class AudioOutput {
  private readonly elements = new Map<string, SinkAudio>();
  private ringer: SinkAudio | undefined;
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
    await this.ringer?.setSinkId?.(deviceId).catch(() => undefined);
  }

  startRinging(): void {
    if (!this.ringer) {
      this.ringer = document.createElement('audio') as SinkAudio;
      this.ringer.src = URL.createObjectURL(ringWav());
      this.ringer.loop = true;
      if (this.ringerId) void this.ringer.setSinkId?.(this.ringerId).catch(() => undefined);
    }
    void this.ringer.play().catch(() => undefined);
  }

  stopRinging(): void {
    this.ringer?.pause();
    if (this.ringer) this.ringer.currentTime = 0;
  }
}
