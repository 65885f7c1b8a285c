#!/usr/bin/env bash
# `npm test` (and CI through .ci/run): every tier, cheapest first, stopping at the first failure.
#   deps -> formatting -> lint + typecheck + unit (nx) -> integration (real PostgreSQL/RabbitMQ) -> e2e (apps as processes)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# Run again on the Node.js pinned in .node-version (ensure-node.sh fetches it when the machine has another one).
[[ -n ${QUIRE_NODE_ENSURED:-} ]] || exec bash tools/dev/ensure-node.sh bash tools/dev/test.sh "$@"

started=$(date +%s)
elapsed() { local s=$(($(date +%s) - started)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

step() {
  local name=$1
  shift
  local step_started
  step_started=$(date +%s)
  printf '\n==> %s\n    $ %s\n' "$name" "$*"
  if "$@"; then
    printf '==> %s: ok (%ss)\n' "$name" $(($(date +%s) - step_started))
  else
    local rc=$?
    printf '\n✗ FAILED: %s (exit %s) — total time %s\n' "$name" "$rc" "$(elapsed)" >&2
    exit "$rc"
  fi
}

printf '==> node %s (npm %s)\n' "$(node --version)" "$(npm --version)"
step "dependencies" bash tools/dev/ensure-deps.sh
step "formatting (prettier)" npx prettier --check .
step "lint, typecheck, unit tests" npx nx run-many -t lint typecheck test --outputStyle=stream
step "integration tests" npx vitest run --config vitest.int.config.ts
step "end-to-end tests" npx vitest run --config vitest.e2e.config.ts

printf '\n✓ all tiers passed — total time %s\n' "$(elapsed)"
