import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadProfiles } from './load.js';
import { DEFAULT_BACKCHANNELS, profileSchema } from './profile-schema.js';

function load(turnYaml: string): string | ReturnType<typeof loadProfiles> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-turn-'));
  const path = join(dir, 'profiles.yaml');
  writeFileSync(
    path,
    `profiles:\n  - name: a\n    systemPrompt: hi\n    turn:\n${turnYaml
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n')}\n`,
  );
  try {
    return loadProfiles(path, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

describe('profile turn settings', () => {
  it('defaults: transcript policy, 300–2000 ms, preemptive on, the backchannel list', () => {
    const p = profileSchema.parse({ name: 'x', systemPrompt: 'y' });
    expect(p.turn).toMatchObject({
      detector: 'transcript',
      minEndpointingDelayMs: 300,
      maxEndpointingDelayMs: 2000,
      preemptiveGeneration: true,
      interruption: { minDurationMs: 300, falseInterruptionMs: 1000, backchannelWords: DEFAULT_BACKCHANNELS },
      flux: { model: 'flux-general-en', eotThreshold: 0.7, eagerEotThreshold: 0.5, eotTimeoutMs: 5000 },
    });
  });

  it('accepts a full setting', () => {
    const file = load(
      [
        'detector: flux',
        'minEndpointingDelayMs: 200',
        'maxEndpointingDelayMs: 3000',
        'flux: { eotThreshold: 0.8, eagerEotThreshold: 0.4, eotTimeoutMs: 3000 }',
        'interruption: { minDurationMs: 500, falseInterruptionMs: 2000, backchannelWords: [vale, "sí"] }',
      ].join('\n'),
    );
    expect(typeof file).toBe('object');
    const turn = (file as ReturnType<typeof loadProfiles>).profiles[0]!.turn;
    expect(turn.interruption.backchannelWords).toEqual(['vale', 'sí']);
    expect(turn.flux.eagerEotThreshold).toBe(0.4);
  });

  it.each([
    ['detector: smart', 'profiles.0.turn.detector'],
    ['minEndpointingDelayMs: -5', 'profiles.0.turn.minEndpointingDelayMs'],
    ['minEndpointingDelayMs: 900\nmaxEndpointingDelayMs: 500', 'profiles.0.turn.maxEndpointingDelayMs'],
    ['flux: { eotThreshold: 0.3 }', 'profiles.0.turn.flux.eotThreshold'],
    ['flux: { eotThreshold: 0.6, eagerEotThreshold: 0.8 }', 'profiles.0.turn.flux.eagerEotThreshold'],
    ['flux: { eotTimeoutMs: 100 }', 'profiles.0.turn.flux.eotTimeoutMs'],
    ['interruption: { minDurationMs: lots }', 'profiles.0.turn.interruption.minDurationMs'],
    ['interruption: { falseInterruptionMs: 20 }', 'profiles.0.turn.interruption.falseInterruptionMs'],
    ['interruption: { backchannelWords: ["ok", ""] }', 'profiles.0.turn.interruption.backchannelWords.1'],
    ['audioModel: { threshold: 2 }', 'profiles.0.turn.audioModel.threshold'],
    ['preemptiveGeneration: sometimes', 'profiles.0.turn.preemptiveGeneration'],
  ])('names the field: %j', (yaml, field) => {
    const msg = load(yaml);
    expect(typeof msg).toBe('string');
    expect(msg).toContain(field);
  });
});
