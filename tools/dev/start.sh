#!/usr/bin/env bash
# `npm start`: install what is missing, then run the platform (tools/dev/start.ts; see tools/dev/README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# Run again on the Node.js pinned in .node-version (ensure-node.sh fetches it when the machine has another one).
[[ -n ${QUIRE_NODE_ENSURED:-} ]] || exec bash tools/dev/ensure-node.sh bash tools/dev/start.sh "$@"
bash tools/dev/ensure-deps.sh
# exec: signals (Ctrl-C, SIGTERM) go straight to start.ts, which stops the apps and servers in order.
exec node --import tsx tools/dev/start.ts "$@"
