/** Loads and validates configuration; any problem becomes a ConfigError naming the field. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { envSchema, SECRET_VARS, type Env } from './env-schema.js';
import { DEFAULT_PROFILES, profilesFileSchema, type ProfilesFile } from './profile-schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface Config {
  env: Env;
  profiles: ProfilesFile;
  /** Fork credentials actually in force (generated when not configured; never logged). */
  fork: { username: string; password: string; token: string };
}

function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((i) => `${where}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`)
    .join('\n');
}

/** Resolve VAR_FILE secrets into VAR (the file wins only when VAR is unset). */
function withSecretFiles(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...source };
  for (const name of SECRET_VARS) {
    const file = source[`${name}_FILE`];
    if (!file || source[name]) continue;
    try {
      out[name] = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(
        `${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  // Empty strings mean "unset", as shells and env files often leave them.
  for (const [k, v] of Object.entries(out)) if (v === '') delete out[k];
  return out;
}

/** Replace ${VAR} in the YAML text so SIP passwords can stay in the environment. */
function interpolate(text: string, env: Record<string, string | undefined>, file: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new ConfigError(`${file}: \${${name}} is used but ${name} is not set`);
    return v;
  });
}

export function loadProfiles(path: string, env: Record<string, string | undefined>): ProfilesFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `SWITCHBOARD_PROFILES: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(interpolate(text, env, path));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${path}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = profilesFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(path, parsed.error));
  return checkProfiles(parsed.data, path);
}

/** Cross-field rules the schema cannot express. */
export function checkProfiles(file: ProfilesFile, where: string): ProfilesFile {
  const names = new Set<string>();
  const routes = new Map<string, string>();
  file.profiles.forEach((p, i) => {
    if (names.has(p.name))
      throw new ConfigError(`${where} profiles.${i}.name: duplicate profile "${p.name}"`);
    names.add(p.name);
    for (const r of p.routes) {
      const other = routes.get(r);
      if (other) throw new ConfigError(`${where} profiles.${i}.routes: "${r}" already routes to "${other}"`);
      routes.set(r, p.name);
    }
    const toolNames = new Set<string>();
    p.tools.forEach((t, j) => {
      const n = typeof t === 'string' ? t : t.name;
      if (toolNames.has(n)) throw new ConfigError(`${where} profiles.${i}.tools.${j}: duplicate tool "${n}"`);
      toolNames.add(n);
    });
    if (p.tools.includes('transfer_call') && p.transferTargets.length === 0) {
      // Allowed, but the tool is useless; the engine drops it from the LLM's tool list.
    }
  });
  if (file.defaultProfile && !names.has(file.defaultProfile)) {
    throw new ConfigError(`${where} defaultProfile: no profile named "${file.defaultProfile}"`);
  }
  file.trunks.forEach((t, i) => {
    t.sources.forEach((cidr, j) => {
      if (!isCidr(cidr))
        throw new ConfigError(`${where} trunks.${i}.sources.${j}: "${cidr}" is not an IP or CIDR`);
    });
  });
  checkPasswords(file, where);
  checkOutbound(file, where);
  file.registrations.forEach((r, i) => {
    if (r.profile && !names.has(r.profile)) {
      throw new ConfigError(`${where} registrations.${i}.profile: no profile named "${r.profile}"`);
    }
  });
  return file;
}

/**
 * Softphone and trunk passwords are what stands between the internet and a call billed to us; digest
 * answers can be cracked offline, so short ones fall fast. (PBX registration passwords are the PBX's.)
 */
export const MIN_SIP_PASSWORD_LENGTH = 12;

function checkPasswords(file: ProfilesFile, where: string): void {
  const short = (p: string | undefined) => p !== undefined && [...p].length < MIN_SIP_PASSWORD_LENGTH;
  const need = `at least ${MIN_SIP_PASSWORD_LENGTH} characters are required`;
  file.users.forEach((u, i) => {
    if (short(u.password))
      throw new ConfigError(
        `${where} users.${i}.password: the password of user "${u.username}" is too short; ${need}`,
      );
  });
  file.trunks.forEach((t, i) => {
    if (short(t.password))
      throw new ConfigError(
        `${where} trunks.${i}.password: the password of trunk "${t.name}" is too short; ${need}`,
      );
  });
}

/** Outbound trunks: unique names (the API picks one by name), and digest credentials come in pairs. */
function checkOutbound(file: ProfilesFile, where: string): void {
  const seen = new Set<string>();
  file.trunks.forEach((t, i) => {
    if (!t.outbound) return;
    if (seen.has(t.name)) throw new ConfigError(`${where} trunks.${i}.name: duplicate trunk "${t.name}"`);
    seen.add(t.name);
    const { username, password } = t.outbound;
    if ((username === undefined) !== (password === undefined)) {
      const missing = username === undefined ? 'username' : 'password';
      throw new ConfigError(
        `${where} trunks.${i}.outbound.${missing}: set both username and password, or neither`,
      );
    }
  });
}

/** A fallback on `endpoint: secondary` needs the environment to name that endpoint. */
function checkSecondaryEndpoints(file: ProfilesFile, env: Env, where: string): void {
  file.profiles.forEach((p, i) => {
    const stages = [
      ['llm', p.llm.fallback, 'OPENAI_SECONDARY_BASE_URL'],
      ['tts', p.tts.fallback, 'CARTESIA_SECONDARY_BASE_URL'],
    ] as const;
    for (const [stage, list, variable] of stages) {
      list.forEach((f, j) => {
        if (f.endpoint === 'secondary' && !env[variable])
          throw new ConfigError(
            `${where} profiles.${i}.${stage}.fallback.${j}.endpoint: "secondary" needs ${variable} to be set`,
          );
      });
    }
  });
}

function isCidr(text: string): boolean {
  const [addr, bits, ...rest] = text.split('/');
  const family = isIP(addr ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 6 ? 128 : 32);
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = withSecretFiles(source);
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues('environment', parsed.error));
  const env = parsed.data;
  const profiles = env.SWITCHBOARD_PROFILES ? loadProfiles(env.SWITCHBOARD_PROFILES, raw) : DEFAULT_PROFILES;
  checkSecondaryEndpoints(profiles, env, env.SWITCHBOARD_PROFILES ?? 'profiles');
  if (env.SWITCHBOARD_TELEPHONY === 'drachtio' && !env.DRACHTIO_SECRET) {
    throw new ConfigError('environment DRACHTIO_SECRET: required when SWITCHBOARD_TELEPHONY=drachtio');
  }
  return {
    env,
    profiles,
    fork: {
      username: env.SWITCHBOARD_FORK_USERNAME,
      password: env.SWITCHBOARD_FORK_PASSWORD ?? randomBytes(18).toString('base64url'),
      token: env.SWITCHBOARD_FORK_TOKEN ?? randomBytes(24).toString('base64url'),
    },
  };
}

/** Config for logs and the API: every secret replaced. */
export function redactedEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = { ...env };
  for (const k of SECRET_VARS) if (out[k] !== undefined) out[k] = '[redacted]';
  return out;
}
