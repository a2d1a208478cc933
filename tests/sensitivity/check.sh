#!/usr/bin/env bash
# Peer check of `dyadsim sensitivity`: SALib (from PyPI, in a virtual environment this
# script creates under target/) recomputes the Morris and Sobol indices from our
# samples.csv and outputs.csv for the Ishigami function, the Sobol G function (both with
# known indices) and two small dyad designs, and must agree with our sensitivity.csv within
# our bootstrap CIs (and, for the test functions, with the analytic indices).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/venv-sensitivity
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import SALib" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "SALib==1.6.*"
fi
# DYADSIM_BIN: a dyadsim binary to check instead of building target/release/dyadsim.
bin=${DYADSIM_BIN:-target/release/dyadsim}
[ -n "${DYADSIM_BIN:-}" ] || cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
$bin sensitivity --function ishigami --samples 8192 --out "$tmp/sobol" --quiet
$bin sensitivity --function gfunction --samples 8192 --out "$tmp/sobol" --quiet
$bin sensitivity --function ishigami --design morris --trajectories 100 --levels 4 --out "$tmp/morris" --quiet
$bin sensitivity --function gfunction --design morris --trajectories 100 --levels 6 --candidates 400 --out "$tmp/morris" --quiet
$bin sensitivity tests/sensitivity/dyad_sobol.toml --out "$tmp" --quiet
$bin sensitivity tests/sensitivity/dyad_morris.toml --out "$tmp" --quiet
echo "dyadsim sensitivity: six studies in $(( $(date +%s) - start )) s"
"$venv/bin/python" tests/sensitivity/check.py \
    "$tmp/sobol/ishigami/sensitivity" "$tmp/sobol/gfunction/sensitivity" \
    "$tmp/morris/ishigami/sensitivity" "$tmp/morris/gfunction/sensitivity" \
    "$tmp/dyad_sobol/sensitivity" "$tmp/dyad_morris/sensitivity"
