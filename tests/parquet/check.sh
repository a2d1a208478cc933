#!/usr/bin/env bash
# Peer check of the Parquet files: a real scenario is run with `--format both` by the
# release binary, and tests/parquet/check.py reads every Parquet file with pyarrow and with
# polars and checks each value, type and unit/meaning against the CSV files of the same run.
# The Python packages live in a virtual environment under target/ (made once, then reused).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=target/parquet-venv
if ! "$venv/bin/python" -c "import pyarrow, polars" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check pyarrow polars
fi

# Up to date with the sources (a no-op when it is).
cargo build --release --quiet

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A two-factor grid (25 points) with per-run rows on: 67,500 runs, two row groups of
# runs.parquet; seeds span the whole u64 range; NA values occur (dual index, levels, ...).
sed -e 's/^runs = false/runs = true/' -e 's/^plots = true/plots = false/' \
    scenarios/sweep_champion_portability.toml > "$work/scenario.toml"
target/release/dyadsim run "$work/scenario.toml" --reps 2700 --format both --quiet --out "$work/out"
"$venv/bin/python" tests/parquet/check.py "$work/out/sweep_champion_portability"
# The same scenario with the wide summary (one row per point, each outcome's mean).
target/release/dyadsim run "$work/scenario.toml" --reps 200 --format both --set output.summary=wide \
    --quiet --out "$work/wide"
head -c 300 "$work/wide/sweep_champion_portability/summary.csv" | head -1 | grep -q ',runs,dissolved,'
"$venv/bin/python" tests/parquet/check.py "$work/wide/sweep_champion_portability"
