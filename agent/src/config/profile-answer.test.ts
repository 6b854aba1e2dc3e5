import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadProfiles } from './load.js';
import { profileSchema } from './profile-schema.js';

function load(yaml: string): string | ReturnType<typeof loadProfiles> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-answer-'));
  const path = join(dir, 'profiles.yaml');
  const body = yaml
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  writeFileSync(path, `profiles:\n  - name: a\n    systemPrompt: hi\n    answerDetection:\n${body}\n`);
  try {
    return loadProfiles(path, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

describe('profile answer-detection policy', () => {
  it('defaults to the safe choices: hang up on voicemail and IVR, announce to a screener', () => {
    expect(profileSchema.parse({ name: 'x', systemPrompt: 'y' }).answerDetection).toEqual({
      voicemail: { action: 'hang_up', message: '' },
      ivr: { action: 'hang_up', goal: '' },
      screening: { action: 'announce', announcement: '' },
    });
  });

  it('accepts a full policy', () => {
    const file = load(
      [
        'voicemail: { action: leave_message, message: "Hi, this is Acme calling about your order. Please call us back." }',
        'ivr: { action: navigate, goal: a person in billing }',
        'screening: { action: announce, announcement: "This is Acme calling about order 42." }',
      ].join('\n'),
    );
    expect(typeof file).toBe('object');
    const policy = (file as ReturnType<typeof loadProfiles>).profiles[0]!.answerDetection;
    expect(policy.voicemail.action).toBe('leave_message');
    expect(policy.ivr.goal).toBe('a person in billing');
  });

  it.each([
    ['voicemail: { action: leave_message }', 'profiles.0.answerDetection.voicemail.message'],
    ['voicemail: { action: record }', 'profiles.0.answerDetection.voicemail.action'],
    ['ivr: { action: navigate }', 'profiles.0.answerDetection.ivr.goal'],
    ['ivr: { action: press_zero }', 'profiles.0.answerDetection.ivr.action'],
    ['screening: { action: ignore }', 'profiles.0.answerDetection.screening.action'],
  ])('names the field: %j', (yaml, field) => {
    const msg = load(yaml);
    expect(typeof msg).toBe('string');
    expect(msg).toContain(field);
  });
});
