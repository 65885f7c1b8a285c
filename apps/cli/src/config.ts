import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@quire/config';
import { UsageError } from './exit-codes';

/**
 * The CLI's configuration (the one module of the CLI that reads the environment): flags win over the environment,
 * which wins over the profile file, which wins over the defaults.
 */

export const DEFAULT_URL = 'http://localhost:3000';

/** An unset variable and an empty one mean the same (`QUIRE_API_KEY= quire …` clears the key). */
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

const envSchema = z.object({
  QUIRE_URL: optionalText,
  QUIRE_API_KEY: optionalText,
  QUIRE_PROFILE: optionalText,
  /** Where the profile file is; default `$XDG_CONFIG_HOME/quire/config.json` or `~/.config/quire/config.json`. */
  QUIRE_CONFIG: optionalText,
  XDG_CONFIG_HOME: optionalText,
  /** https://no-color.org: any non-empty value turns colour off. */
  NO_COLOR: optionalText,
  TERM: optionalText,
});
export type CliEnv = z.infer<typeof envSchema>;

const urlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL');

const profileSchema = z.object({ url: urlSchema.optional(), apiKey: z.string().min(1).optional() }).strict();

/** `~/.config/quire/config.json`: `{ "defaultProfile": "prod", "profiles": { "prod": { "url", "apiKey" } } }`. */
export const profileFileSchema = z
  .object({
    defaultProfile: z.string().min(1).optional(),
    profiles: z.record(profileSchema).default({}),
  })
  .strict();
export type ProfileFile = z.infer<typeof profileFileSchema>;

export interface ConfigFlags {
  url?: string;
  apiKey?: string;
  profile?: string;
  config?: string;
  noColor?: boolean;
}

export interface CliConfig {
  url: string;
  apiKey?: string;
  /** The profile used, if any. */
  profile?: string;
  /** Colour on stderr: a terminal, not NO_COLOR, not TERM=dumb, not --no-color. */
  color: boolean;
  /** Said on stderr before the command runs (e.g. a profile file with keys that others may read). */
  warnings: string[];
}

export function readEnv(env: Record<string, string | undefined> = process.env): CliEnv {
  try {
    return loadConfig(envSchema, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

export function defaultConfigPath(env: CliEnv): string {
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'quire', 'config.json');
}

/** The profile file, or null when it does not exist at the default place (an explicit path must exist). */
function readProfileFile(file: string, explicit: boolean): ProfileFile | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return null;
    throw new UsageError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the config file ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = profileFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new UsageError(`the config file ${file} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function resolveConfig(flags: ConfigFlags, env: CliEnv, stderrIsTty: boolean): CliConfig {
  const explicitFile = flags.config ?? env.QUIRE_CONFIG;
  const file = readProfileFile(explicitFile ?? defaultConfigPath(env), explicitFile !== undefined);
  const wanted = flags.profile ?? env.QUIRE_PROFILE;
  let profileName: string | undefined;
  if (wanted !== undefined) {
    if (!file?.profiles[wanted]) {
      const known = Object.keys(file?.profiles ?? {});
      throw new UsageError(
        `no profile "${wanted}" in ${explicitFile ?? defaultConfigPath(env)}` +
          (known.length ? ` (profiles: ${known.join(', ')})` : ''),
      );
    }
    profileName = wanted;
  } else if (file?.defaultProfile) {
    if (!file.profiles[file.defaultProfile])
      throw new UsageError(
        `defaultProfile "${file.defaultProfile}" is not among the profiles of the config file`,
      );
    profileName = file.defaultProfile;
  } else if (file?.profiles.default) {
    profileName = 'default';
  }
  const profile = profileName ? file?.profiles[profileName] : undefined;
  const warnings: string[] = [];
  const filePath = explicitFile ?? defaultConfigPath(env);
  if (file && Object.values(file.profiles).some((p) => p.apiKey) && process.platform !== 'win32') {
    // Like ssh with a private key: a key others can read is a key others have.
    const mode = statSync(filePath).mode & 0o777;
    if (mode & 0o077)
      warnings.push(
        `${filePath} holds API keys and others may read it (mode ${mode.toString(8)}): chmod 600 ${filePath}`,
      );
  }
  const url = flags.url ?? env.QUIRE_URL ?? profile?.url ?? DEFAULT_URL;
  const checked = urlSchema.safeParse(url);
  if (!checked.success)
    throw new UsageError(`invalid server URL "${url}": ${checked.error.issues[0]?.message}`);
  const apiKey = flags.apiKey ?? env.QUIRE_API_KEY ?? profile?.apiKey;
  return {
    url: url.replace(/\/+$/, ''),
    ...(apiKey ? { apiKey } : {}),
    ...(profileName ? { profile: profileName } : {}),
    color: stderrIsTty && !flags.noColor && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    warnings,
  };
}
