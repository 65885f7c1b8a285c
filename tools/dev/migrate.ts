/** Applies committed migrations to QUIRE_DATABASE_URL (used by the Kubernetes migration Job and by hand). */
import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
// Loaded lazily as in start.ts: nx's boundary rule forbids a static import of a library that the same project
// loads lazily elsewhere.
const { runMigrations } = await import('@quire/job-model');

const config = loadConfig(z.object({ QUIRE_DATABASE_URL: env.databaseUrl }));
const applied = await runMigrations(config.QUIRE_DATABASE_URL);
process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
