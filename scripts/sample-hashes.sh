#!/usr/bin/env bash
# Renders every spec's sample in every output (PDF and PNG in each pass, UV, plates, a
# calibrated print pass, the OFD and landing page, PDF/X-4 and PDF/A-3b) with BINARY into OUTDIR and prints their sha256 sums: run it with
# the build before a refactoring and the build after, and diff the two lists.
#
# usage: scripts/sample-hashes.sh BINARY OUTDIR   (from the repository root)
set -euo pipefail
bin=$(realpath "$1"); out=$(realpath -m "$2"); mkdir -p "$out"
for dir in specs/*/; do
  name=$(basename "$dir")
  spec=$(ls "$dir"*.ron | head -1)
  data="$dir/sample.json"
  "$bin" render "$spec" --data "$data" --pdf "$out/$name.pdf" --png "$out/$name.png" --plates "$out/$name-plates" 2>/dev/null
  "$bin" render "$spec" --data "$data" --png "$out/$name-uv.png" --view uv 2>/dev/null
  for pass in press print; do
    "$bin" render "$spec" --data "$data" --pdf "$out/$name-$pass.pdf" --png "$out/$name-$pass.png" --pass "$pass" 2>/dev/null
  done
  "$bin" render "$spec" --data "$data" --pdf "$out/$name-cal.pdf" --png "$out/$name-cal.png" \
    --pass print --offset-x 0.8 --offset-y -0.5 --scale 1.002 2>/dev/null
  # The electronic outputs and the PDF standards (dates fixed by the spec's metadata).
  "$bin" render "$spec" --data "$data" --ofd "$out/$name.ofd" --page "$out/$name.html" 2>/dev/null || true
  for standard in x-4 a-3b; do
    "$bin" render "$spec" --data "$data" --pdf "$out/$name-$standard.pdf" --pdf-standard "$standard" --date 2026-01-02 2>/dev/null || true
  done
done
cd "$out" && find . -type f | sort | xargs sha256sum
