/** Applies committed migrations to QUIRE_DATABASE_URL (used by the Kubernetes migration Job and by hand). */
import { z } from 'zod';
import { env, loadConfig } from '@quire/config';
import { runMigrations } from '@quire/job-model';

const config = loadConfig(z.object({ QUIRE_DATABASE_URL: env.databaseUrl }));
const applied = await runMigrations(config.QUIRE_DATABASE_URL);
process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
