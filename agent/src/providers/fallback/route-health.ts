/**
 * Which routes (a provider endpoint with a model or voice) failed recently. Shared by every call of
 * the process, so the next call starts on a route that works instead of paying the primary's
 * timeout again; a failed route is skipped for `cooldownMs`, then tried first again (like LiveKit's
 * FallbackAdapter marking an instance unavailable, without its background probe requests).
 */
import type { Clock } from '../../time/clock.js';

export class RouteHealth {
  private readonly failedUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly cooldownMs = 30_000,
  ) {}

  failed(route: string): void {
    this.failedUntil.set(route, this.clock.now() + this.cooldownMs);
  }

  succeeded(route: string): void {
    this.failedUntil.delete(route);
  }

  healthy(route: string): boolean {
    const until = this.failedUntil.get(route);
    if (until === undefined) return true;
    if (this.clock.now() < until) return false;
    this.failedUntil.delete(route);
    return true;
  }

  /**
   * The order to try `routes` in: healthy ones first (in configured order), then the cooling ones,
   * each route once, then the rotation again from the start (a lone route is retried).
   */
  order<T extends { label: string }>(routes: readonly T[], attempts: number): T[] {
    const healthy = routes.filter((r) => this.healthy(r.label));
    const rotation = [...healthy, ...routes.filter((r) => !healthy.includes(r))];
    return Array.from({ length: attempts }, (_, i) => rotation[i % rotation.length]!);
  }
}
