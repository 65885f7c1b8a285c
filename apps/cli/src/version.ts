import pkg from '../package.json' with { type: 'json' };

/** The CLI's version (apps/cli/package.json; inlined into the bundle by the build). */
export const VERSION: string = pkg.version;
