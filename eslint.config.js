import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

/**
 * Module boundaries (type:app|feature|pipeline|engine|data-access|util|test|tool|system-test, scope:*, engine:*):
 * apps never import apps, libraries never import apps or tools, tools may import libraries. Test files may also use
 * the test helpers (type:test, scope:testing); production code may not. tools/testing/module-boundaries.spec.ts
 * proves the rule bites (a wrong-layer import and a cycle are reported) and that every project's tags are covered.
 *
 * Engines wrap one tool each and know no job (type:engine → type:util only, so never another engine); pipelines
 * compose engines and own stages and limits (type:pipeline); a worker, and its pipeline, may use only the engines
 * it runs (scope:<worker> lists its engine:<name> tags).
 */
function boundaries(forTests) {
  const t = forTests ? ['type:test'] : [];
  const s = forTests ? ['scope:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    banTransitiveDependencies: false,
    depConstraints: [
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: [
          'type:feature',
          'type:pipeline',
          'type:engine',
          'type:data-access',
          'type:util',
          ...t,
        ],
      },
      {
        sourceTag: 'type:feature',
        onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', ...t],
      },
      {
        sourceTag: 'type:pipeline',
        onlyDependOnLibsWithTags: ['type:engine', 'type:data-access', 'type:util', ...t],
      },
      { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:util', ...t] },
      { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', ...t] },
      { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', ...t] },
      {
        sourceTag: 'type:test',
        onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', 'type:test'],
      },
      // Dev stack, chaos runner, benchmarks, test setup: tooling that drives the system from outside; nothing in
      // production imports it. Tools may use any library (whatever type:* the libraries get), never an app.
      { sourceTag: 'type:tool', notDependOnLibsWithTags: ['type:app', 'type:system-test'] },
      // tests/: system tests drive the apps from outside (as processes), with the tools (chaos runner) and libraries.
      { sourceTag: 'type:system-test', notDependOnLibsWithTags: ['type:app', 'type:system-test'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', ...s] },
      { sourceTag: 'scope:engines', onlyDependOnLibsWithTags: ['scope:engines', 'scope:shared', ...s] },
      // The gateway decrypts `redact` uploads given a password (MuPDF), so the password is never stored.
      { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared', 'engine:mupdf', ...s] },
      {
        sourceTag: 'scope:compression',
        onlyDependOnLibsWithTags: [
          'scope:compression',
          'engine:ghostscript',
          'engine:pdf',
          'scope:shared',
          ...s,
        ],
      },
      {
        sourceTag: 'scope:conversion',
        onlyDependOnLibsWithTags: ['engine:ghostscript', 'engine:pdf', 'engine:qpdf', 'scope:shared', ...s],
      },
      {
        sourceTag: 'scope:ocr',
        onlyDependOnLibsWithTags: [
          'scope:ocr',
          'engine:tesseract',
          'engine:ghostscript',
          'engine:pdf',
          'engine:qpdf',
          'engine:img2pdf',
          'scope:shared',
          ...s,
        ],
      },
      { sourceTag: 'scope:maintenance', onlyDependOnLibsWithTags: ['scope:shared', ...s] },
      // The CLI talks to the gateway over HTTP only: shared utilities (config), never a job-model or worker library.
      // Both hold: a shared library, and a plain utility (config, errors); job-model and the rest are server code.
      { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:shared', ...s] },
      { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['type:util', ...t] },
      // Test libraries and the dev servers: never tools (libs ← tools only).
      {
        sourceTag: 'scope:extraction',
        // The AI extraction worker and its pipeline: text with positions and embedded files (pdf.js), scanned pages
        // rendered (Ghostscript) and read into word boxes (Tesseract), the language model.
        onlyDependOnLibsWithTags: [
          'scope:extraction',
          'engine:pdf',
          'engine:ghostscript',
          'engine:tesseract',
          'engine:llm',
          'scope:shared',
          ...s,
        ],
      },
      {
        sourceTag: 'scope:redaction',
        // The redaction worker, its pipeline and the recognisers library (@quire/redaction, which reuses the IBAN
        // and VAT-id validators of @quire/extraction): text and pages (pdf.js), rasterising (Ghostscript), OCR word
        // boxes (Tesseract), file repair/rewrite (qpdf), scanned pages back to PDF (img2pdf), the language model;
        // text with a box per character and the redaction itself (MuPDF).
        onlyDependOnLibsWithTags: [
          'scope:redaction',
          'scope:extraction',
          'engine:pdf',
          'engine:ghostscript',
          'engine:tesseract',
          'engine:qpdf',
          'engine:img2pdf',
          'engine:llm',
          'engine:mupdf',
          'scope:shared',
          ...s,
        ],
      },
      {
        sourceTag: 'scope:testing',
        onlyDependOnLibsWithTags: ['scope:shared', 'scope:engines', 'scope:testing'],
      },
      {
        sourceTag: 'scope:tools',
        // The benchmarks run the workers' pipelines (scope:compression, scope:ocr, scope:extraction), the code
        // production runs.
        onlyDependOnLibsWithTags: [
          'scope:shared',
          'scope:engines',
          'scope:compression',
          'scope:ocr',
          'scope:extraction',
          'scope:redaction',
          'scope:testing',
          'scope:tools',
        ],
      },
      {
        sourceTag: 'scope:system',
        onlyDependOnLibsWithTags: ['scope:shared', 'scope:engines', 'scope:testing', 'scope:tools'],
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.nx/**', '.quire/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through the app config schema (@quire/config).',
        },
      ],
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // Config modules are the one place allowed to read the environment; tests and tools set it for child processes.
    files: ['libs/config/**/*.ts', '**/*.spec.ts', 'tools/**/*.ts', 'tests/**/*.ts', '**/config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'tests/**/*.ts', 'tools/**/*.ts', 'libs/dev-infra/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'tests/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries(true)] },
  },
  {
    // @quire/redaction's LLM recogniser takes a structural client (a util imports no engine); this one spec proves
    // it with the real engine client against the OpenAI wire stand-in.
    files: ['libs/redaction/src/llm.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { ...boundaries(true), allow: ['@quire/engine-llm'] }],
    },
  },
);
