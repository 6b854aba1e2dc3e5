/**
 * TEST-ONLY: an attacker on the network, as far as the gateway can tell. A second network namespace
 * joined to ours by a veth pair: our side gets VICTIM_ADDRESS, the attacker's side ATTACKER_ADDRESSES
 * (198.18.0.0/15 is the benchmarking range, never routed), and a process inside it (hands.ts) sends
 * whatever the test asks from those addresses. Nothing it sends is loopback, so nothing it sends is
 * trusted by accident. Call from inside a namespace of the test's own (loopback-netns.ts), so no
 * interface of the host is touched; stop() kills the process and deletes the namespace (and with it
 * the veth pair) in every case.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const VICTIM_ADDRESS = '198.18.0.1';
/** Addresses the attacker may send from (one per attack, so lock-outs of one do not mask another). */
export const ATTACKER_ADDRESSES = ['198.18.0.2', '198.18.0.3', '198.18.0.4', '198.18.0.5', '198.18.0.6'];

const HANDS = fileURLToPath(new URL('./hands.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
}

export interface InboxView {
  count: number;
  bytes: number;
  /** SIP responses received, by status code. */
  statuses: Record<number, number>;
  /** The last SIP messages received (at most 200), newest last. */
  texts: string[];
  /** SIP messages received in all (pass as `from` to see only later ones). */
  textsTotal: number;
  closed: boolean;
}

export class Attacker {
  private seq = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private buf = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly netns: string,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.onData(d));
    child.once('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('attacker process exited'));
      this.waiting.clear();
    });
  }

  /** Set up the namespace, the veth pair and the hands process. Must run as root inside a test namespace. */
  static async start(): Promise<Attacker> {
    const tag = `${process.pid % 100_000}${Math.floor(Math.random() * 10)}`;
    const netns = `sbatk-${tag}`;
    const ours = `sbv${tag}`;
    const theirs = `sba${tag}`;
    ip('netns', 'add', netns);
    try {
      ip('link', 'add', ours, 'type', 'veth', 'peer', 'name', theirs);
      ip('link', 'set', theirs, 'netns', netns);
      ip('addr', 'add', `${VICTIM_ADDRESS}/29`, 'dev', ours);
      ip('link', 'set', ours, 'up');
      ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
      for (const a of ATTACKER_ADDRESSES)
        ip('netns', 'exec', netns, 'ip', 'addr', 'add', `${a}/29`, 'dev', theirs);
      ip('netns', 'exec', netns, 'ip', 'link', 'set', theirs, 'up');
      const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', HANDS], {
        cwd: REPO,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const attacker = new Attacker(child, netns);
      await attacker.ready(15_000);
      return attacker;
    } catch (err) {
      spawnSync('ip', ['netns', 'del', netns]);
      throw err;
    }
  }

  /** One command to the hands; rejects with its error. */
  call<T = Record<string, unknown>>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.seq++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** What came back on handle `h`: texts from message number `from` on (see InboxView.textsTotal). */
  inbox(h: number, from = 0): Promise<InboxView> {
    return this.call<InboxView>('inbox', { h, from });
  }

  /** Kill the hands and delete the namespace (its veth end, and so the pair, goes with it). Idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin!.end();
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          this.child.kill('SIGKILL');
          r();
        }, 3000);
        this.child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    spawnSync('ip', ['netns', 'del', this.netns]);
  }

  private ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('attacker hands not ready')), timeoutMs);
      this.waiting.set(0, {
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
        reject,
      });
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      let msg: { id?: number; ok?: boolean; result?: unknown; error?: string; ready?: boolean };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        continue;
      }
      const id = msg.ready ? 0 : (msg.id ?? -1);
      const w = this.waiting.get(id);
      if (!w) continue;
      this.waiting.delete(id);
      if (msg.ready || msg.ok) w.resolve(msg.result);
      else w.reject(new Error(msg.error ?? 'attacker command failed'));
    }
  }
}
