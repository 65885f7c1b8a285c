#!/bin/sh
# Quire container entrypoint: one image, many apps.
#
# The app is chosen by the first argument (what Kubernetes `args` and compose `command` pass),
# or by $APP when there is none:
#   gateway | <queue>-worker   -> node --import tsx apps/<app>/src/main.ts
#   migrate                    -> node --import tsx tools/dev/migrate.ts
#   anything else              -> exec'd as a command (e.g. `sh`, `node -e ...`) for debugging
#
# `exec` matters: node must receive SIGTERM directly (tini, PID 1, forwards it) so the apps can
# stop consuming and drain in-flight jobs within terminationGracePeriodSeconds.
set -eu

if [ "$#" -gt 0 ]; then
  app="$1"
  shift
else
  app="${APP:-}"
fi

if [ -z "$app" ]; then
  echo "quire-entrypoint: name an app (gateway, <queue>-worker, migrate) as the first argument or in APP" >&2
  exit 64
fi

if [ "$app" = "migrate" ]; then
  exec node --import tsx tools/dev/migrate.ts "$@"
fi

if [ -f "apps/$app/src/main.ts" ]; then
  exec node --import tsx "apps/$app/src/main.ts" "$@"
fi

case "$app" in
  gateway | *-worker)
    # Looks like an app name but there is no such app: fail loudly rather than exec a missing command.
    echo "quire-entrypoint: unknown app '$app' (no apps/$app/src/main.ts in the image)" >&2
    exit 64
    ;;
esac

exec "$app" "$@"
