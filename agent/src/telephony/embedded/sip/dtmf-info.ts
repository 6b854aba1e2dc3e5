/** DTMF carried in SIP INFO bodies: application/dtmf-relay ("Signal=5\r\nDuration=160") and application/dtmf ("5"). */

export interface InfoDtmf {
  digit: string;
  durationMs?: number;
}

const DIGIT = /^[0-9*#A-Da-d]$/;

export function parseDtmfInfo(contentType: string, body: string): InfoDtmf | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/dtmf') {
    const d = body.trim();
    return DIGIT.test(d) ? { digit: d.toUpperCase() } : undefined;
  }
  if (type !== 'application/dtmf-relay') return undefined;
  const signal = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body)?.[1];
  const duration = /^\s*duration\s*=\s*(\d+)\s*$/im.exec(body)?.[1];
  if (!signal) return undefined;
  const digit = signal === '10' ? '*' : signal === '11' ? '#' : signal;
  if (!DIGIT.test(digit)) return undefined;
  const out: InfoDtmf = { digit: digit.toUpperCase() };
  if (duration !== undefined) out.durationMs = Number(duration);
  return out;
}

export const DTMF_INFO_TYPES = ['application/dtmf-relay', 'application/dtmf'];
