export { loadConfig, ConfigError, env, baseAppSchema } from './load-config';
