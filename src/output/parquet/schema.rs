//! The Arrow schemas of the Parquet tables, with each column's unit and meaning as field
//! metadata, and the writer properties that keep the files deterministic.

#[allow(unused_imports)]
use super::*;
use crate::output::files::{WIDE_RUNS, drawn_column};
use crate::scenario::SummaryLayout;

pub(super) fn field(name: &str, dt: DataType, nullable: bool, doc: Option<ColumnDoc>) -> Field {
    let doc = doc.unwrap_or(ColumnDoc {
        unit: String::new(),
        meaning: String::new(),
    });
    Field::new(name, dt, nullable).with_metadata([("unit", doc.unit), ("meaning", doc.meaning)])
}

/// `point` and the swept parameters.
pub(super) fn key_fields(s: &Scenario, file: &str) -> Vec<Field> {
    let mut v = vec![field(
        "point",
        DataType::UInt32,
        false,
        columns::column(file, "point"),
    )];
    v.extend(
        s.factors
            .iter()
            .map(|f| field(&f.path, DataType::Float64, false, Some(columns::factor(f)))),
    );
    v
}

/// The statistics columns.
pub(super) fn stat_fields(file: &str) -> Vec<Field> {
    STATS
        .iter()
        .map(|c| {
            let dt = if *c == "n" {
                DataType::UInt64
            } else {
                DataType::Float64
            };
            field(c, dt, *c != "n", columns::column(file, c))
        })
        .collect()
}

/// Schema of `runs.parquet` (the columns of [`crate::output::files::runs_header`]).
pub fn runs_schema(s: &Scenario) -> SchemaRef {
    let col = |name: &str, dt: DataType| field(name, dt, false, columns::column("runs", name));
    let mut v = vec![
        col("point", DataType::UInt32),
        col("replication", DataType::UInt64),
        col("seed", DataType::UInt64),
    ];
    v.extend(key_fields(s, "runs").into_iter().skip(1));
    v.push(col("final_phase", DataType::Utf8));
    v.push(col("end_reason", DataType::Utf8));
    v.push(col("phase_path", DataType::Utf8));
    v.extend(
        OUTCOME_METRICS
            .iter()
            .map(|m| field(m, DataType::Float64, true, columns::outcome(m))),
    );
    for ph in ["preparation", "execution", "integration"] {
        for end in ["entry", "exit"] {
            let name = format!("level_{ph}_{end}");
            let doc = columns::column("runs", &name);
            v.push(field(&name, DataType::Utf8, true, doc));
        }
    }
    v.extend(s.drawn_params().map(|spec| {
        field(
            &drawn_column(s, spec),
            DataType::Float64,
            false,
            Some(columns::drawn(spec)),
        )
    }));
    Arc::new(Schema::new(v))
}

/// Schema of `points.parquet`.
pub fn points_schema(s: &Scenario) -> SchemaRef {
    Arc::new(Schema::new(key_fields(s, "points")))
}

/// Schema of `timeseries.parquet`.
pub fn timeseries_schema(s: &Scenario) -> SchemaRef {
    let mut v = key_fields(s, "timeseries");
    let doc = |c: &str| columns::column("timeseries", c);
    v.push(field("month", DataType::UInt32, false, doc("month")));
    v.push(field("metric", DataType::Utf8, false, doc("metric")));
    v.extend(stat_fields("timeseries"));
    v.extend(
        PERCENTILES
            .iter()
            .map(|c| field(c, DataType::Float64, true, doc(c))),
    );
    Arc::new(Schema::new(v))
}

/// Schema of `summary.parquet`.
pub fn summary_schema(s: &Scenario) -> SchemaRef {
    let mut v = key_fields(s, "summary");
    match s.output.summary {
        SummaryLayout::Long => {
            let doc = columns::column("summary", "outcome");
            v.push(field("outcome", DataType::Utf8, false, doc));
            v.extend(stat_fields("summary"));
        }
        SummaryLayout::Wide => {
            let doc = columns::column("summary", WIDE_RUNS);
            v.push(field(WIDE_RUNS, DataType::UInt64, false, doc));
            v.extend(
                OUTCOME_METRICS
                    .iter()
                    .map(|m| field(m, DataType::Float64, true, columns::outcome(m))),
            );
        }
    }
    Arc::new(Schema::new(v))
}

/// The fixed writer settings: Snappy compression, plain encoding for numbers, dictionary
/// encoding for text columns, statistics per page, version 1 data pages, row groups of
/// [`ROW_GROUP_ROWS`] rows, and a `created_by` that names only the library's version.
pub(super) fn properties(schema: &Schema) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(None)
        .set_created_by(DEFAULT_CREATED_BY.to_string());
    for f in schema.fields() {
        if f.data_type() == &DataType::Utf8 {
            b = b.set_column_dictionary_enabled(ColumnPath::new(vec![f.name().clone()]), true);
        }
    }
    b.build()
}
