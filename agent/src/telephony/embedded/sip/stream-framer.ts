/**
 * Cuts a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3): handles partial
 * and coalesced messages and CRLF keep-alives (RFC 5626 §3.5.1: a double CRLF between messages is a
 * ping, a single one a pong; both are reported). A frame too large, or a header block with no valid
 * Content-Length, makes the stream unusable (the caller closes the connection).
 */
export type FrameResult = {
  frames: Buffer[];
  error?: 'too-large' | 'no-content-length';
  /** Keep-alives seen between messages, in order. */
  keepalives?: Array<'ping' | 'pong'>;
};

export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): FrameResult {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Buffer[] = [];
    const keepalives: Array<'ping' | 'pong'> = [];
    const done = (r: FrameResult): FrameResult => (keepalives.length > 0 ? { ...r, keepalives } : r);
    for (;;) {
      const skipped = this.skipKeepAlives();
      if (skipped >= 4) keepalives.push('ping');
      else if (skipped >= 2) keepalives.push('pong');
      if (this.buffer.length === 0) return done({ frames });
      const headEnd = this.buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        return done(this.buffer.length > this.maxBytes ? { frames, error: 'too-large' } : { frames });
      }
      const head = this.buffer.subarray(0, headEnd).toString('latin1');
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})[ \t]*(?=\r\n|$)/i.exec(head);
      if (!m) return done({ frames, error: 'no-content-length' });
      const total = headEnd + 4 + Number(m[1]);
      if (total > this.maxBytes) return done({ frames, error: 'too-large' });
      if (this.buffer.length < total) return done({ frames });
      frames.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
  }

  /** Drop CR/LF bytes before a message; how many there were. */
  private skipKeepAlives(): number {
    let i = 0;
    while (i < this.buffer.length && (this.buffer[i] === 0x0d || this.buffer[i] === 0x0a)) i++;
    if (i > 0) this.buffer = this.buffer.subarray(i);
    return i;
  }
}
