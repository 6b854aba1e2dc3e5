/**
 * Runs the three provider fakes on fixed ports with a looping receptionist dialogue and prints the
 * environment to start the agent against them, so the agent runs with no vendor keys:
 *
 *   npx tsx agent/src/testing/fakes/serve.ts [--host 127.0.0.1] [--deepgram-port 4010]
 *                                             [--openai-port 4020] [--cartesia-port 4030]
 */
import { parseArgs } from 'node:util';
import { startFakeProviders } from './fake-providers.js';
import { RECEPTIONIST_SCRIPT } from './receptionist-script.js';

function port(value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`not a port: ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'deepgram-port': { type: 'string' },
      'openai-port': { type: 'string' },
      'cartesia-port': { type: 'string' },
    },
  });
  const fakes = await startFakeProviders(RECEPTIONIST_SCRIPT, {
    host: values.host,
    ports: {
      deepgram: port(values['deepgram-port'], 4010),
      openai: port(values['openai-port'], 4020),
      cartesia: port(values['cartesia-port'], 4030),
    },
  });
  console.log('# Provider fakes running. Start the agent with:');
  for (const [k, v] of Object.entries(fakes.env)) console.log(`export ${k}=${v}`);
  const stop = (): void => {
    void fakes.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
