import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_URL, readEnv, resolveConfig } from './config';
import { UsageError } from './exit-codes';

describe('CLI config: flags, then environment, then profile, then defaults', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-cli-config-'));
    file = path.join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        defaultProfile: 'prod',
        profiles: {
          prod: { url: 'https://quire.example/', apiKey: 'qk_prod' },
          local: { url: 'http://localhost:4000' },
        },
      }),
    );
    await chmod(file, 0o600);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses the default profile of the file, and the defaults without any', () => {
    expect(resolveConfig({}, readEnv({ QUIRE_CONFIG: file }), false)).toEqual({
      url: 'https://quire.example',
      apiKey: 'qk_prod',
      profile: 'prod',
      color: false,
      warnings: [],
    });
    // No file at the default place: fine.
    expect(resolveConfig({}, readEnv({ XDG_CONFIG_HOME: path.join(dir, 'none') }), false)).toEqual({
      url: DEFAULT_URL,
      color: false,
      warnings: [],
    });
  });

  it('lets the environment beat the profile and flags beat both', () => {
    const env = readEnv({
      QUIRE_CONFIG: file,
      QUIRE_URL: 'http://env:1',
      QUIRE_API_KEY: 'qk_env',
      QUIRE_PROFILE: 'local',
    });
    expect(resolveConfig({}, env, false)).toMatchObject({
      url: 'http://env:1',
      apiKey: 'qk_env',
      profile: 'local',
    });
    expect(resolveConfig({ url: 'http://flag:2', apiKey: 'qk_flag' }, env, false)).toMatchObject({
      url: 'http://flag:2',
      apiKey: 'qk_flag',
    });
    // An empty variable is unset.
    expect(
      resolveConfig({ profile: 'local' }, readEnv({ QUIRE_CONFIG: file, QUIRE_API_KEY: '' }), false),
    ).toEqual({
      url: 'http://localhost:4000',
      profile: 'local',
      color: false,
      warnings: [],
    });
  });

  it('warns when a file holding API keys is readable by others', async () => {
    await chmod(file, 0o644);
    try {
      expect(resolveConfig({}, readEnv({ QUIRE_CONFIG: file }), false).warnings).toEqual([
        `${file} holds API keys and others may read it (mode 644): chmod 600 ${file}`,
      ]);
    } finally {
      await chmod(file, 0o600);
    }
  });

  it('colours only a terminal, and never with NO_COLOR, TERM=dumb or --no-color', () => {
    const env = { XDG_CONFIG_HOME: path.join(dir, 'none') };
    expect(resolveConfig({}, readEnv(env), true).color).toBe(true);
    expect(resolveConfig({}, readEnv({ ...env, NO_COLOR: '1' }), true).color).toBe(false);
    expect(resolveConfig({}, readEnv({ ...env, TERM: 'dumb' }), true).color).toBe(false);
    expect(resolveConfig({ noColor: true }, readEnv(env), true).color).toBe(false);
  });

  it('refuses a missing profile, a broken file and a bad URL as usage errors', async () => {
    expect(() => resolveConfig({ profile: 'staging' }, readEnv({ QUIRE_CONFIG: file }), false)).toThrow(
      /no profile "staging" .*\(profiles: prod, local\)/,
    );
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify({ profiles: { a: { url: 'ftp://x', token: 1 } } }));
    expect(() => resolveConfig({}, readEnv({ QUIRE_CONFIG: broken }), false)).toThrow(UsageError);
    expect(() => resolveConfig({ config: path.join(dir, 'missing.json') }, readEnv({}), false)).toThrow(
      /cannot read/,
    );
    expect(() => resolveConfig({ url: 'localhost:3000' }, readEnv({ QUIRE_CONFIG: file }), false)).toThrow(
      /invalid server URL/,
    );
  });
});
