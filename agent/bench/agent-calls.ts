/** How many calls reached the agent's conversation engine so far, from its /metrics (ended + active). */
export async function agentCallsStarted(httpUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', httpUrl))).text();
  let n = 0;
  for (const m of text.matchAll(/^switchboard_(?:calls_total\{[^}]*\}|active_calls) (\d+(?:\.\d+)?)$/gm))
    n += Number(m[1]);
  return n;
}
