/**
 * fail2ban-style lock-out for digest authentication, per source address and per user: after
 * `maxFailures` failed answers within `windowMs` the key is locked for `baseLockMs`, and each further
 * lock of the same key doubles that, up to `maxLockMs`. While locked, attempts are refused without
 * looking at the password, so guessing gets nowhere. A user's lock does not shut out the addresses
 * that user recently logged in from (a stranger guessing alice's password must not lock alice out of
 * her own desk phone). Memory is bounded: at most `maxKeys` keys, least recently touched dropped first.
 */
import type { Clock } from '../time/clock.js';

export interface AuthLockoutOptions {
  clock: Clock;
  /** Failures within the window that lock a key (default 5). */
  maxFailures?: number;
  /** Failures older than this are forgotten (ms, default 10 min). */
  windowMs?: number;
  /** First lock; doubles with every further lock of the key (ms, default 60 s). */
  baseLockMs?: number;
  /** Longest lock (ms, default 1 h). */
  maxLockMs?: number;
  /** Keys remembered at once (default 10 000). */
  maxKeys?: number;
  /** A key reached its limit and is now locked (logs, metrics). */
  onLock?(key: { kind: 'source' | 'user'; id: string }, lockMs: number): void;
}

interface KeyState {
  failures: number[];
  lockedUntil: number;
  /** Locks so far: the next one lasts baseLockMs · 2^strikes. */
  strikes: number;
}

/** How many recent sources per user count as "known good" for that user. */
const KNOWN_SOURCES_PER_USER = 8;

export class AuthLockout {
  private readonly keys = new Map<string, KeyState>();
  private readonly knownSources = new Map<string, string[]>();
  private readonly o: Required<Omit<AuthLockoutOptions, 'onLock'>> & Pick<AuthLockoutOptions, 'onLock'>;
  /** Attempts refused because a key was locked. */
  refused = 0;

  constructor(opts: AuthLockoutOptions) {
    this.o = {
      maxFailures: 5,
      windowMs: 600_000,
      baseLockMs: 60_000,
      maxLockMs: 3_600_000,
      maxKeys: 10_000,
      ...opts,
    };
  }

  /** Must this attempt be refused unchecked? `user` is the username the request claims, if any. */
  isLocked(source: string, user?: string): boolean {
    const now = this.o.clock.now();
    const locked =
      this.lockedAt(`s:${source}`, now) ||
      (user !== undefined && this.lockedAt(`u:${user}`, now) && !this.isKnownSource(user, source));
    if (locked) this.refused++;
    return locked;
  }

  /** A wrong answer. Pass `user` only for usernames that exist (unknown names must not grow the table). */
  recordFailure(source: string, user?: string): void {
    this.fail({ kind: 'source', id: source });
    if (user !== undefined) this.fail({ kind: 'user', id: user });
  }

  /**
   * A right answer: the source is known good for the user, and both keys start afresh, except a user
   * lock still running: the user logging in from their own phone must not reopen guessing for others.
   */
  recordSuccess(source: string, user: string): void {
    this.keys.delete(`s:${source}`);
    if (!this.lockedAt(`u:${user}`, this.o.clock.now())) this.keys.delete(`u:${user}`);
    const known = (this.knownSources.get(user) ?? []).filter((s) => s !== source);
    known.push(source);
    this.knownSources.delete(user);
    this.knownSources.set(user, known.slice(-KNOWN_SOURCES_PER_USER));
    this.trim(this.knownSources);
  }

  /** Keys currently locked (metrics). */
  lockedCount(): number {
    const now = this.o.clock.now();
    let n = 0;
    for (const k of this.keys.values()) if (k.lockedUntil > now) n++;
    return n;
  }

  private lockedAt(key: string, now: number): boolean {
    return (this.keys.get(key)?.lockedUntil ?? 0) > now;
  }

  private isKnownSource(user: string, source: string): boolean {
    return this.knownSources.get(user)?.includes(source) ?? false;
  }

  private fail(key: { kind: 'source' | 'user'; id: string }): void {
    const now = this.o.clock.now();
    const name = `${key.kind === 'source' ? 's' : 'u'}:${key.id}`;
    const state = this.keys.get(name) ?? { failures: [], lockedUntil: 0, strikes: 0 };
    this.keys.delete(name); // re-insert: most recently touched last
    this.keys.set(name, state);
    this.trim(this.keys);
    if (state.lockedUntil > now) return;
    if (state.strikes > 0 && now - state.lockedUntil > this.o.maxLockMs) state.strikes = 0; // behaved since
    state.failures = state.failures.filter((t) => now - t < this.o.windowMs);
    state.failures.push(now);
    if (state.failures.length < this.o.maxFailures) return;
    const lockMs = Math.min(this.o.maxLockMs, this.o.baseLockMs * 2 ** Math.min(state.strikes, 30));
    state.strikes++;
    state.failures = [];
    state.lockedUntil = now + lockMs;
    this.o.onLock?.(key, lockMs);
  }

  private trim(map: Map<string, unknown>): void {
    while (map.size > this.o.maxKeys) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) return;
      map.delete(oldest);
    }
  }
}
