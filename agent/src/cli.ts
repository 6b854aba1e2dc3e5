#!/usr/bin/env node
/** `npm start`: load and validate config, start the agent, drain gracefully on SIGTERM/SIGINT. */
import { ConfigError, loadConfig, redactedEnv } from './config/load.js';
import { createLogger } from './log.js';
import { startAgent } from './main.js';

async function run(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`switchboard: invalid configuration\n${err.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger(config.env.LOG_LEVEL);
  log.info({ config: redactedEnv(config.env) }, 'starting');
  let agent;
  try {
    agent = await startAgent(config, { log });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`switchboard: invalid configuration\n${err.message}`);
      process.exit(78);
    }
    throw err;
  }
  log.info({ http: agent.httpUrl, sip: agent.sip }, 'switchboard ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'draining');
    agent
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

run().catch((err: unknown) => {
  console.error('switchboard: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
