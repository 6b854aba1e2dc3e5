/**
 * Start-up: load the audio end-of-turn model of every profile whose turn.detector is audio_model —
 * once per file, shared by every call (LiveKit loads its local model once per host, research
 * anchors §1.2). Any problem is a ConfigError naming the setting the path came from.
 */
import { ConfigError } from '../../config/load.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import { loadOnnxTurnModel, TurnModelError } from './onnx-turn-model.js';
import type { TurnModel } from './turn-model.js';

export const TURN_MODEL_ENV = 'SWITCHBOARD_TURN_MODEL';

/** Profile name → its model. Profiles that do not use one are absent. */
export async function loadTurnModels(
  profiles: readonly AgentProfile[],
  envPath: string | undefined,
  log?: Logger,
  load: (path: string) => Promise<TurnModel> = loadOnnxTurnModel,
): Promise<Map<string, TurnModel>> {
  const byPath = new Map<string, Promise<TurnModel>>();
  const out = new Map<string, TurnModel>();
  for (const [i, p] of profiles.entries()) {
    if (p.turn.detector !== 'audio_model') continue;
    const setting = p.turn.audioModel.path ? `profiles.${i}.turn.audioModel.path` : TURN_MODEL_ENV;
    const path = p.turn.audioModel.path ?? envPath;
    if (!path) {
      throw new ConfigError(
        `profiles.${i}.turn.audioModel.path: required when turn.detector is audio_model (or set ${TURN_MODEL_ENV})`,
      );
    }
    if (!byPath.has(path)) byPath.set(path, load(path));
    try {
      const started = performance.now();
      out.set(p.name, await byPath.get(path)!);
      log?.info(
        { profile: p.name, model: path, ms: Math.round(performance.now() - started) },
        'turn model loaded',
      );
    } catch (err) {
      const why = err instanceof TurnModelError ? err.message : String(err);
      throw new ConfigError(`${setting}: ${why}`);
    }
  }
  return out;
}
