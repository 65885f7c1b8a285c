/**
 * The module boundaries are enforced, not just declared: `@nx/enforce-module-boundaries` (eslint.config.js) must
 * report an import that goes the wrong way between layers and one that closes a cycle between projects. Each case
 * plants one virtual file in a real project and lints only that text, with the real config and the real project
 * graph; nothing is written to the tree. Without the rule, or with a wildcard constraint, this spec fails.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProjectGraphAsync, type ProjectGraph } from '@nx/devkit';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULE = '@nx/enforce-module-boundaries';

let graph: ProjectGraph;
let eslint: ESLint;

beforeAll(async () => {
  // The rule reads the cached graph and silently skips itself when there is none: compute and cache it first.
  graph = await createProjectGraphAsync({ exitOnError: false });
  eslint = new ESLint({
    cwd: ROOT,
    // Only this rule, and without type information: parsing alone is enough for it, and it keeps this spec fast.
    ruleFilter: ({ ruleId }) => ruleId === RULE,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  });
}, 60_000);

/** The rule's messages for `code` as if it were `file` (relative to the repo root). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  expect(result.messages.filter((m) => m.ruleId !== RULE)).toEqual([]);
  return result.messages.map((m) => m.message);
}

function tagsOf(project: string): string[] {
  return graph.nodes[project]?.data.tags ?? [];
}

describe('module boundaries', () => {
  it('reject a library importing an app', async () => {
    const errors = await boundaryErrors(
      'libs/errors/src/planted.ts',
      "export { createApp } from '../../../apps/gateway/src/app';\n",
    );
    expect(errors.join('\n')).toMatch(/Projects cannot be imported by a relative or absolute path/);
  });

  it('reject a library importing a tool (libs never depend on tools/)', async () => {
    // worker-testing: a test library the chaos runner does not reach, so this is a layer error, not a cycle.
    expect(tagsOf('chaos')).toContain('type:tool');
    const errors = await boundaryErrors(
      'libs/worker-testing/src/planted.ts',
      "export { runChaos } from '@quire/chaos';\n",
    );
    expect(errors.join('\n')).toMatch(
      /A project tagged with "type:test" can only depend on libs tagged with/,
    );
  });

  it('reject production code importing the test helpers', async () => {
    const errors = await boundaryErrors(
      'libs/storage/src/planted.ts',
      "export { createTestDatabase } from '@quire/testing';\n",
    );
    expect(errors.join('\n')).toMatch(
      /A project tagged with "type:data-access" can only depend on libs tagged with/,
    );
  });

  it('reject an import that closes a cycle between two libraries', async () => {
    // engine-pdf builds on engine-supervisor; the supervisor importing engine-pdf would close the loop.
    expect(graph.dependencies['engine-pdf']?.map((d) => d.target)).toContain('engine-supervisor');
    const errors = await boundaryErrors(
      'libs/engines/supervisor/src/planted.ts',
      "export { createPdfEngine } from '@quire/engine-pdf';\n",
    );
    expect(errors.join('\n')).toMatch(
      /Circular dependency between "engine-supervisor" and "engine-pdf" detected/,
    );
  });

  it('reject an engine importing another engine (engines wrap one tool each)', async () => {
    expect(tagsOf('engine-ghostscript')).toContain('type:engine');
    const errors = await boundaryErrors(
      'libs/engines/ghostscript/src/planted.ts',
      "export { inspectPdf } from '@quire/engine-pdf';\n",
    );
    expect(errors.join('\n')).toMatch(
      /A project tagged with "type:engine" can only depend on libs tagged with "type:util"/,
    );
  });

  it.each([
    ['apps/compression-worker/src/planted.ts', '@quire/engine-qpdf', 'scope:compression'],
    ['libs/pipelines/compression/src/planted.ts', '@quire/engine-tesseract', 'scope:compression'],
    ['apps/conversion-worker/src/planted.ts', '@quire/pipeline-ocr', 'scope:conversion'],
    ['apps/ocr-worker/src/planted.ts', '@quire/engine-supervisor', 'scope:ocr'],
  ])(
    'reject %s importing %s: a worker and its pipeline use only the engines they run',
    async (file, lib, scope) => {
      const errors = await boundaryErrors(file, `export * from '${lib}';\n`);
      expect(errors.join('\n')).toContain(
        `A project tagged with "${scope}" can only depend on libs tagged with`,
      );
    },
  );

  it('reject the CLI importing server code: it talks to the gateway over HTTP only', async () => {
    expect(tagsOf('cli')).toEqual(expect.arrayContaining(['type:app', 'scope:cli']));
    const errors = await boundaryErrors(
      'apps/cli/src/planted.ts',
      "export { JOB_CATALOG } from '@quire/job-model';\n",
    );
    expect(errors.join('\n')).toContain(
      'A project tagged with "scope:cli" can only depend on libs tagged with "type:util"',
    );
    // Its config through the shared config lib is fine.
    expect(
      await boundaryErrors('apps/cli/src/planted.ts', "export { loadConfig } from '@quire/config';\n"),
    ).toEqual([]);
  });

  it('give every project a type and a scope that a constraint covers', async () => {
    const config = (await eslint.calculateConfigForFile(path.join(ROOT, 'libs/errors/src/index.ts'))) as {
      rules: Record<string, [unknown, { depConstraints: Array<{ sourceTag: string }> }]>;
    };
    const constrained = new Set(config.rules[RULE][1].depConstraints.map((c) => c.sourceTag));
    expect(constrained.has('*')).toBe(false);
    for (const [name, node] of Object.entries(graph.nodes)) {
      const tags = node.data.tags ?? [];
      const kinds = tags.filter((t) => t.startsWith('type:') || t.startsWith('scope:'));
      expect(kinds.map((t) => t.split(':')[0]).sort(), name).toEqual(['scope', 'type']);
      for (const tag of kinds) expect(constrained.has(tag), `${name}: no constraint for ${tag}`).toBe(true);
    }
  });

  it('find nothing to report in the real tree', async () => {
    const results = await eslint.lintFiles(['apps', 'libs', 'tools', 'tests']);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(100);
  }, 120_000);
});
