/**
 * Everything one agent turn says: a ReplyVoice per assistant message (the greeting, each LLM step).
 * The whole turn's output is withheld or released at once — the barge-in pause and the hold while
 * thinking — and `whenChanged()` wakes whoever waits for it to play out.
 */
import { ReplyVoice } from './reply-voice.js';
import type { SpeechOutput } from './speech-output.js';

export class TurnOutput {
  readonly voices: ReplyVoice[] = [];
  private isWithheld = false;
  private cancelled = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly newSpeech: () => SpeechOutput) {}

  /** A new voice; it starts withheld while the turn's output is, and cancelled once the turn's is. */
  voice(): ReplyVoice {
    const v = new ReplyVoice(this.newSpeech, this.isWithheld, () => this.changed());
    this.voices.push(v);
    if (this.cancelled) v.cancel();
    return v;
  }

  get withheld(): boolean {
    return this.isWithheld;
  }

  /** Some voice is still generating or sending audio. */
  busy(): boolean {
    return this.voices.some((v) => v.busy);
  }

  withhold(): void {
    if (this.isWithheld) return;
    this.isWithheld = true;
    for (const v of this.voices) v.withhold();
    this.changed();
  }

  release(): void {
    if (!this.isWithheld) return;
    this.isWithheld = false;
    for (const v of this.voices) v.release();
    this.changed();
  }

  /** Stop every voice, and every voice made later: a cancelled turn never becomes audible. */
  cancel(): void {
    this.cancelled = true;
    for (const v of this.voices) v.cancel();
    this.changed();
  }

  heardText(): string {
    return this.voices
      .map((v) => v.heardText())
      .filter((t) => t)
      .join(' ');
  }

  speeches(): SpeechOutput[] {
    return this.voices.flatMap((v) => [...v.speeches]);
  }

  /** Resolves at the next withhold, release, cancel or segment end. */
  whenChanged(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private changed(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
