/** end_call, transfer_call and send_dtmf: the tools every profile can switch on. */
import { errorResult, parseArguments, type Tool, type ToolContext, type ToolOutcome } from './tool-types.js';

export const endCallTool: Tool = {
  spec: {
    name: 'end_call',
    description:
      'Hang up the call. Say goodbye in the same reply first; the call ends once the goodbye has played.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  run: () => Promise.resolve({ result: JSON.stringify({ ok: true, ending: true }), action: 'end_call' }),
};

export function transferCallTool(targets: readonly { name: string; description: string }[]): Tool {
  const list = targets.map((t) => (t.description ? `${t.name} (${t.description})` : t.name)).join('; ');
  return {
    spec: {
      name: 'transfer_call',
      description: `Blind-transfer the caller to one of these targets: ${list || 'none configured'}.`,
      parameters: {
        type: 'object',
        properties: {
          target: { type: 'string', enum: targets.map((t) => t.name), description: 'Target name' },
        },
        required: ['target'],
        additionalProperties: false,
      },
    },
    run: runTransfer,
  };
}

async function runTransfer(raw: string, ctx: ToolContext): Promise<ToolOutcome> {
  const args = parseArguments(raw);
  const name = typeof args?.target === 'string' ? args.target : undefined;
  const target = ctx.profile.transferTargets.find((t) => t.name === name);
  if (!target) {
    const allowed = ctx.profile.transferTargets.map((t) => t.name);
    ctx.log.warn({ target: name, allowed }, 'transfer to a target not in the profile refused');
    return errorResult(`unknown transfer target; allowed targets: ${allowed.join(', ') || 'none'}`);
  }
  const outcome = ctx.awaitTransferResult(ctx.signal);
  ctx.channel.transfer(target.uri);
  ctx.log.info({ target: target.name }, 'transfer requested');
  const res = await outcome;
  if (res.ok) return { result: JSON.stringify({ ok: true, status: res.status }), action: 'transferred' };
  ctx.log.warn({ target: target.name, status: res.status, reason: res.reason }, 'transfer failed');
  return {
    result: JSON.stringify({ ok: false, status: res.status, reason: res.reason ?? 'transfer failed' }),
  };
}

const DTMF_DIGITS = /^[0-9*#A-D]{1,32}$/;

export const sendDtmfTool: Tool = {
  spec: {
    name: 'send_dtmf',
    description: 'Send DTMF tones on the call, e.g. to navigate a phone menu. Digits 0-9, *, #, A-D.',
    parameters: {
      type: 'object',
      properties: { digits: { type: 'string', pattern: '^[0-9*#A-D]{1,32}$' } },
      required: ['digits'],
      additionalProperties: false,
    },
  },
  run(raw, ctx) {
    const args = parseArguments(raw);
    const digits = typeof args?.digits === 'string' ? args.digits.toUpperCase() : '';
    if (!DTMF_DIGITS.test(digits)) return Promise.resolve(errorResult('digits must be 1-32 of 0-9 * # A-D'));
    ctx.channel.sendDtmf(digits);
    return Promise.resolve({ result: JSON.stringify({ ok: true, sent: digits }) });
  },
};
