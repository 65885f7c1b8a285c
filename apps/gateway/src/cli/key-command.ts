import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { env, loadConfig } from '@quire/config';
import { createDataSource } from '@quire/job-model';

/**
 * Runs one API-key command against the database: prints its result as one JSON line, or its error on stderr with
 * exit code 1 (no stack trace: these are operator mistakes, not bugs).
 */
export async function runKeyCommand(
  name: string,
  command: (ds: DataSource) => Promise<Record<string, unknown>>,
): Promise<void> {
  const config = loadConfig(
    z.object({
      QUIRE_DATABASE_URL: env.databaseUrl.default('postgres://quire:quire@127.0.0.1:5432/quire'),
    }),
  );
  const ds = createDataSource(config.QUIRE_DATABASE_URL, { poolSize: 1, applicationName: name });
  try {
    await ds.initialize();
    process.stdout.write(`${JSON.stringify(await command(ds))}\n`);
  } catch (err) {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}
