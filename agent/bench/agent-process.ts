/**
 * Child process: the agent exactly as `npm start` runs it (config from the environment, embedded
 * gateway), started through main.ts. Prints one JSON line {ready, pid, httpUrl, sip}.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { startAgent } from '../src/main.js';

const config = loadConfig(process.env);
const log = createLogger(config.env.LOG_LEVEL, process.stderr);
const agent = await startAgent(config, { log });
console.log(JSON.stringify({ ready: true, pid: process.pid, httpUrl: agent.httpUrl, sip: agent.sip }));

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(1), 10_000);
  void agent.stop().then(() => {
    clearTimeout(force);
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The benchmark holds our stdin open; if it dies, stop rather than hold the bench ports.
process.stdin.on('close', stop).resume();

// `resources` on stdin (the soak): collect garbage, then print RSS and the open handles by kind.
const gc = (() => {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
})();
process.stdin.setEncoding('utf8').on('data', (d: string) => {
  if (!d.includes('resources')) return;
  gc();
  const kinds: Record<string, number> = {};
  for (const k of process.getActiveResourcesInfo()) kinds[k] = (kinds[k] ?? 0) + 1;
  const calls = agent.activeCalls();
  console.log(JSON.stringify({ resources: kinds, rssBytes: process.memoryUsage().rss, activeCalls: calls }));
});
