/** Readiness: named checks (SIP registration, providers configured, db writable…) folded into one report. */

export interface ReadinessCheck {
  ok: boolean;
  /** Short, human-readable, never a secret. */
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

export type ReadinessProbe = () => ReadinessReport | Promise<ReadinessReport>;

export type CheckFn = () => ReadinessCheck | Promise<ReadinessCheck>;

/** Ready when every check is ok; a check that throws counts as failed (its error text is not exposed). */
export function readinessFrom(checks: Record<string, CheckFn>): ReadinessProbe {
  return async () => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]): Promise<[string, ReadinessCheck]> => {
        try {
          return [name, await check()];
        } catch {
          return [name, { ok: false, detail: 'check failed' }];
        }
      }),
    );
    return { ready: entries.every(([, c]) => c.ok), checks: Object.fromEntries(entries) };
  };
}
