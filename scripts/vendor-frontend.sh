#!/usr/bin/env bash
# Refresh the browser libraries the web pages serve (api/web/static/vendor/), from the npm
# registry at the pinned versions below, each with its licence file. The pages load them
# from this server only: no CDN, they work offline. Run it after changing a version, and
# commit what it writes.
set -euo pipefail
cd "$(dirname "$0")/.."

# name@version  file-in-package  folder it goes to (axe-core: for the browser tests only)
PAGES=api/web/static/vendor
PACKAGES=(
    "htmx.org@2.0.11 dist/htmx.min.js $PAGES/htmx"
    "cytoscape@3.35.0 dist/cytoscape.min.js $PAGES/cytoscape"
    "dagre@0.8.5 dist/dagre.min.js $PAGES/dagre"
    "cytoscape-dagre@2.5.0 cytoscape-dagre.js $PAGES/cytoscape-dagre"
    "axe-core@4.14.1 axe.min.js tests/web/vendor/axe-core"
)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for entry in "${PACKAGES[@]}"; do
    read -r spec file folder <<<"$entry"
    (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
    tarball=$(ls "$WORK"/*.tgz)
    mkdir -p "$WORK/x" && tar -xzf "$tarball" -C "$WORK/x"
    rm -rf "${folder:?}" && mkdir -p "$folder"
    cp "$WORK/x/package/$file" "$folder/"
    licence=$(ls "$WORK/x/package" | grep -i -m1 -E '^(licen[cs]e|copying)' || true)
    [ -n "$licence" ] || { echo "no licence file in $spec" >&2; exit 1; }
    cp "$WORK/x/package/$licence" "$folder/LICENSE"
    echo "$spec" >"$folder/VERSION"
    rm -rf "$WORK/x" "$tarball"
done
echo "vendored:"
ls -R "$PAGES" tests/web/vendor
