#!/usr/bin/env bash
# `npm start`: install what is missing, then run the platform (tools/dev/start.ts; see tools/dev/README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash tools/dev/ensure-deps.sh
# exec: signals (Ctrl-C, SIGTERM) go straight to start.ts, which stops the apps and servers in order.
exec node --import tsx tools/dev/start.ts "$@"
