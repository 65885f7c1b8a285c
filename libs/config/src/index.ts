export { loadConfig, ConfigError, env, baseAppSchema } from './load-config';
export { childProcessEnv } from './child-env';
