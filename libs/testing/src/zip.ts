import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';

/** Every file entry of a ZIP archive, in archive order, read with yauzl (CRCs and sizes validated). */
export async function readZip(data: Buffer): Promise<Array<{ name: string; data: Buffer }>> {
  const zip = await yauzl.fromBufferPromise(data, { lazyEntries: true, validateEntrySizes: true });
  const entries: Array<{ name: string; data: Buffer }> = [];
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      entries.push({ name: entry.fileName, data: await buffer(await zip.openReadStreamPromise(entry)) });
    }
  } finally {
    zip.close();
  }
  return entries;
}
