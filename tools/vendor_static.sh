#!/usr/bin/env bash
# Vendor the browser-side code the book's pages load, so that no page needs a CDN:
#   OUTDIR/html-manager/  @jupyter-widgets/html-manager (embed.js renders saved widget state)
#   OUTDIR/mathjax/       MathJax 3 (es5/tex-chtml.js and what it loads: fonts, extensions)
# Both come from the npm registry with `npm pack`. Idempotent: a stamp file records the versions;
# when it matches, nothing is downloaded. Fails loudly when npm fails.
#
# html-manager 1.0.15 is the release built with ipywidgets 8.1.8/8.1.9: it bundles
# @jupyter-widgets/controls ^5.0.13 and base ^6.0.12, the same versions jupyterlab_widgets 3.0.17
# ships, i.e. widget protocol 2 (state "version_major": 2) with ipywidgets 8's model versions.
set -euo pipefail

HTML_MANAGER_VERSION=1.0.15
MATHJAX_VERSION=3.2.2
# sha256 of the tarballs npm serves for those versions: a different file fails the script.
HTML_MANAGER_SHA256=2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638
MATHJAX_SHA256=1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09

OUTDIR=${1:?usage: vendor_static.sh OUTDIR}
STAMP="$OUTDIR/.vendored"
WANT="html-manager=$HTML_MANAGER_VERSION mathjax=$MATHJAX_VERSION"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" \
      && -f "$OUTDIR/html-manager/dist/embed.js" && -f "$OUTDIR/mathjax/es5/tex-chtml.js" ]]; then
    echo "vendor: $WANT already in $OUTDIR"
    exit 0
fi

command -v npm >/dev/null || { echo "vendor: npm not found (apt-get install -y npm)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "vendor: npm pack @jupyter-widgets/html-manager@$HTML_MANAGER_VERSION mathjax@$MATHJAX_VERSION"
if ! (cd "$WORK" && npm pack --loglevel=error "@jupyter-widgets/html-manager@$HTML_MANAGER_VERSION" \
        "mathjax@$MATHJAX_VERSION" >pack.log 2>&1); then
    cat "$WORK/pack.log" >&2
    echo "vendor: npm pack failed (is the npm registry reachable?)" >&2
    exit 1
fi

if ! (cd "$WORK" && sha256sum -c --quiet - <<SUMS
$HTML_MANAGER_SHA256  jupyter-widgets-html-manager-$HTML_MANAGER_VERSION.tgz
$MATHJAX_SHA256  mathjax-$MATHJAX_VERSION.tgz
SUMS
); then
    echo "vendor: a tarball's sha256 differs from the one pinned in $0" >&2
    exit 1
fi

mkdir -p "$WORK/hm" "$WORK/mj"
tar -xzf "$WORK/jupyter-widgets-html-manager-$HTML_MANAGER_VERSION.tgz" -C "$WORK/hm"
tar -xzf "$WORK/mathjax-$MATHJAX_VERSION.tgz" -C "$WORK/mj"

rm -rf "$OUTDIR/html-manager" "$OUTDIR/mathjax" "$STAMP"
mkdir -p "$OUTDIR/html-manager/dist" "$OUTDIR/mathjax"

# html-manager: the self-contained embed.js (no require.js; built-in widgets only, so it never
# asks a CDN for a module) and the font files its CSS refers to, relative to the script.
hm="$WORK/hm/package"
cp "$hm/package.json" "$OUTDIR/html-manager/"  # BSD-3-Clause; license text is in embed.js.LICENSE.txt
cp "$hm/dist/embed.js" "$hm/dist/embed.js.LICENSE.txt" "$OUTDIR/html-manager/dist/"
find "$hm/dist" -maxdepth 1 -type f \( -name '*.woff' -o -name '*.woff2' -o -name '*.ttf' \
        -o -name '*.eot' -o -name '*.svg' \) -exec cp {} "$OUTDIR/html-manager/dist/" \;

# MathJax: es5/ without the combined components the book does not load (SVG output, "full"
# builds) and without latest.js (which loads MathJax from a CDN).
mj="$WORK/mj/package"
cp "$mj/package.json" "$mj/LICENSE" "$OUTDIR/mathjax/"
cp -r "$mj/es5" "$OUTDIR/mathjax/es5"
rm -rf "$OUTDIR/mathjax/es5/output/svg" "$OUTDIR/mathjax/es5/latest.js"
rm -f "$OUTDIR/mathjax/es5/"{tex-svg.js,tex-svg-full.js,tex-mml-svg.js,mml-svg.js,tex-chtml-full.js,tex-chtml-full-speech.js}

test -f "$OUTDIR/html-manager/dist/embed.js"
test -f "$OUTDIR/mathjax/es5/tex-chtml.js"
echo "$WANT" >"$STAMP"
echo "vendor: $WANT -> $OUTDIR ($(du -sh "$OUTDIR" | cut -f1))"
