/**
 * Blind transfer of the caller: REFER on the caller's dialog, then wait for the NOTIFY whose
 * message/sipfrag carries a final status (RFC 3515). Pattern: jambonz sip:refer.
 */
import type { Clock } from '../../audio/clock.js';
import { sipfragStatus } from './sip-utils.js';
import type { DialogLike, SipRequestLike, SipResponseLike } from './types.js';

export interface TransferOutcome {
  status: number;
  reason: string;
}

export const TRANSFER_NOTIFY_TIMEOUT_MS = 15_000;

export async function referTransfer(
  dialog: DialogLike,
  target: string,
  referredBy: string,
  clock: Clock,
  timeoutMs = TRANSFER_NOTIFY_TIMEOUT_MS,
): Promise<TransferOutcome> {
  let settle: ((o: TransferOutcome) => void) | undefined;
  const final = new Promise<TransferOutcome>((resolve) => (settle = resolve));
  const onNotify = (req: SipRequestLike, res: SipResponseLike): void => {
    res.send(200);
    const event = (req.get('Event') ?? '').toLowerCase();
    if (event && !event.startsWith('refer')) return;
    const frag = sipfragStatus(req.body ?? '');
    if (frag && frag.status >= 200) settle?.(frag);
  };
  dialog.on('notify', onNotify);
  const timer = clock.setTimeout(() => settle?.({ status: 408, reason: 'no final NOTIFY' }), timeoutMs);
  try {
    const res = await dialog.request({
      method: 'REFER',
      headers: { 'Refer-To': `<${target}>`, 'Referred-By': `<${referredBy}>` },
    });
    if (res.status < 200 || res.status >= 300)
      return { status: res.status, reason: res.reason ?? 'REFER rejected' };
    return await final;
  } catch (err) {
    return { status: 500, reason: (err as Error).message };
  } finally {
    clock.clearTimeout(timer);
    dialog.removeListener('notify', onNotify);
  }
}
