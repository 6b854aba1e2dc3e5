import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load.js';
import { profileSchema } from '../../config/profile-schema.js';
import { startAgent } from '../../main.js';
import { headEnergyAudioModel } from '../../testing/onnx-model.js';
import { loadTurnModels } from './turn-models.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-turn-models-'));
const good = join(dir, 'good.onnx');
writeFileSync(good, headEnergyAudioModel());
const garbage = join(dir, 'garbage.onnx');
writeFileSync(garbage, 'not a model');

const profile = (name: string, turn: Record<string, unknown>) =>
  profileSchema.parse({ name, systemPrompt: 'x', turn });

async function configError(p: Promise<unknown>): Promise<string> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).message;
}

describe('loadTurnModels', () => {
  it('loads each file once and gives it to every profile that uses it; others get none', async () => {
    let loads = 0;
    const models = await loadTurnModels(
      [
        profile('a', { detector: 'audio_model', audioModel: { path: good } }),
        profile('b', { detector: 'transcript' }),
        profile('c', { detector: 'audio_model' }),
      ],
      good,
      undefined,
      (path) => {
        loads++;
        return Promise.resolve({ path, predict: () => Promise.resolve(0.5) });
      },
    );
    expect(loads).toBe(1);
    expect([...models.keys()]).toEqual(['a', 'c']);
    expect(models.get('a')).toBe(models.get('c'));
  });

  it('names the setting the bad path came from', async () => {
    const fromProfile = [profile('a', { detector: 'audio_model', audioModel: { path: garbage } })];
    expect(await configError(loadTurnModels(fromProfile, undefined))).toMatch(
      /^profiles\.0\.turn\.audioModel\.path: .*garbage\.onnx is not a loadable ONNX model/,
    );
    const fromEnv = [profile('x', {}), profile('a', { detector: 'audio_model' })];
    expect(await configError(loadTurnModels(fromEnv, join(dir, 'missing.onnx')))).toMatch(
      /^SWITCHBOARD_TURN_MODEL: cannot read .*missing\.onnx \(ENOENT\)/,
    );
    expect(await configError(loadTurnModels(fromEnv, undefined))).toBe(
      'profiles.1.turn.audioModel.path: required when turn.detector is audio_model (or set SWITCHBOARD_TURN_MODEL)',
    );
  });

  it('a malformed model file stops the agent at start-up, naming the setting', async () => {
    const profiles = join(dir, 'profiles.yaml');
    writeFileSync(
      profiles,
      `profiles:\n  - name: smart\n    systemPrompt: hi\n    turn: { detector: audio_model }\n`,
    );
    const config = loadConfig({
      SWITCHBOARD_PROFILES: profiles,
      SWITCHBOARD_TURN_MODEL: garbage,
      SWITCHBOARD_TELEPHONY: 'none',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_DB: join(dir, 'db.sqlite'),
      LOG_LEVEL: 'silent',
    });
    expect(await configError(startAgent(config))).toMatch(/^SWITCHBOARD_TURN_MODEL: /);
  });
});
