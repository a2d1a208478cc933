#!/usr/bin/env bash
# Peer check of `dyadsim schema`: the Python `jsonschema` package (from PyPI, in a virtual
# environment this script creates under target/) validates every shipped scenario and a
# template from `dyadsim init` against the schema, and rejects files the parser rejects.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/venv-schema
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "jsonschema>=4.20,<5"
fi
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
target/release/dyadsim schema > "$tmp/schema.json"
target/release/dyadsim init template --dir "$tmp" 2>/dev/null
"$venv/bin/python" tests/schema/check.py "$tmp/schema.json" scenarios "$tmp/template.toml"
