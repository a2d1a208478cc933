"""Peer check of dyadsim's Parquet files with two independent readers, pyarrow and polars.

Usage: check.py DIR, where DIR holds the output of one `dyadsim run --format both`.

For every table (runs, points, timeseries, summary) and each reader, checks that
- the columns are the CSV file's columns, in the same order, with the documented types
  (point u32, replication and seed u64, month u32, n u64, text as strings, the rest f64);
- there are as many rows as in the CSV file;
- every value equals the CSV file's: floats bit for bit (the CSV holds the shortest decimal
  that reads back to the same float, so parsing it gives the exact value; -0 is written as 0
  in both), integers exactly (seeds above 2^53 included), text as is; `NA` in the CSV is
  null in Parquet, and no float is NaN;
- every column carries the field metadata `unit` and `meaning`, non-empty (pyarrow; polars
  keeps no field metadata).

Prints one line per failure and ends with `parquet: N passed, M failed`; exits non-zero on
any failure.
"""

import csv
import math
import struct
import sys
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ["runs", "points", "timeseries", "summary"]
TEXT = {"final_phase", "end_reason", "phase_path", "metric", "outcome"}
U32 = {"point", "month"}
U64 = {"replication", "seed", "n", "runs"}  # `runs`: the wide summary's count

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def kind(column):
    if column in U32:
        return "u32"
    if column in U64:
        return "u64"
    if column in TEXT or column.startswith("level_"):
        return "text"
    return "f64"


ARROW_TYPES = {"u32": pa.uint32(), "u64": pa.uint64(), "text": pa.string(), "f64": pa.float64()}
POLARS_TYPES = {"u32": pl.UInt32, "u64": pl.UInt64, "text": pl.String, "f64": pl.Float64}


def bits(x):
    return struct.pack("<d", x)


def same(k, text, value):
    """Whether a Parquet value equals the CSV cell `text`."""
    if text == "NA":
        return value is None
    if value is None:
        return False
    if k == "f64":
        return isinstance(value, float) and not math.isnan(value) and bits(float(text)) == bits(value)
    if k in ("u32", "u64"):
        return isinstance(value, int) and int(text) == value
    return text == value


def compare(label, header, columns, types, expected_types):
    """Compare one reader's columns and values with the CSV rows."""
    check(columns == header, f"{label}: columns {columns} != CSV {header}")
    for name, t in zip(columns, types):
        check(t == expected_types[kind(name)], f"{label}: {name} has type {t}")
    return header == columns


def compare_values(label, header, rows, values_of):
    for c, name in enumerate(header):
        values = values_of(name)
        k = kind(name)
        if len(values) != len(rows):
            check(False, f"{label}: {name}: {len(values)} values for {len(rows)} CSV rows")
            continue
        bad = [i for i, (r, v) in enumerate(zip(rows, values)) if not same(k, r[c], v)]
        check(
            not bad,
            f"{label}: {name}: {len(bad)} values differ, first at row {bad[0] + 1}: "
            f"CSV {rows[bad[0]][c]!r}, Parquet {values[bad[0]]!r}" if bad else "",
        )


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check.py DIR")
    out = Path(sys.argv[1])
    big_seeds = 0
    for table in TABLES:
        with open(out / f"{table}.csv", newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        path = out / f"{table}.parquet"

        # pyarrow
        t = pq.read_table(path)
        label = f"{table}.parquet (pyarrow)"
        check(t.num_rows == len(rows), f"{label}: {t.num_rows} rows, CSV {len(rows)}")
        if compare(label, header, t.column_names, [f.type for f in t.schema], ARROW_TYPES):
            compare_values(label, header, rows, lambda n: t.column(n).to_pylist())
        for field in t.schema:
            meta = field.metadata or {}
            for key in (b"unit", b"meaning"):
                check(bool(meta.get(key, b"").strip()), f"{label}: {field.name} has no {key.decode()} metadata")
        if table == "runs":
            seeds = t.column("seed").to_pylist()
            big_seeds = sum(1 for s in seeds if s > 2**53)

        # polars
        df = pl.read_parquet(path)
        label = f"{table}.parquet (polars)"
        check(df.height == len(rows), f"{label}: {df.height} rows, CSV {len(rows)}")
        if compare(label, header, df.columns, list(df.dtypes), POLARS_TYPES):
            compare_values(label, header, rows, lambda n: df.get_column(n).to_list())

    # The seed check means something only with seeds beyond the exact range of a double.
    check(big_seeds > 0, "runs: no seed above 2^53 to check")
    print(f"parquet: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
