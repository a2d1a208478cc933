//! Reading the Parquet tables back (for figures and the report when there is no CSV).

#[allow(unused_imports)]
use super::*;

fn read_err(file: &Path, e: impl std::fmt::Display) -> ReadError {
    ReadError::Parquet {
        file: file.to_path_buf(),
        row: 0,
        message: e.to_string(),
    }
}

fn open_reader(file: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, ReadError> {
    let f = File::open(file).map_err(|source| ReadError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| read_err(file, e))
}

/// The column names of a Parquet file.
pub fn column_names(file: &Path) -> Result<Vec<String>, ReadError> {
    let b = open_reader(file)?;
    Ok(b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect())
}

/// Append the text of cell `i` of `a` as the CSV file would hold it (`NA` for null).
fn cell_text(a: &dyn Array, i: usize, out: &mut String) -> Result<(), String> {
    use std::fmt::Write as _;
    if a.is_null(i) {
        out.push_str("NA");
        return Ok(());
    }
    let any = a.as_any();
    if let Some(x) = any.downcast_ref::<Float64Array>() {
        out.push_str(&num(x.value(i)));
    } else if let Some(x) = any.downcast_ref::<UInt32Array>() {
        let _ = write!(out, "{}", x.value(i));
    } else if let Some(x) = any.downcast_ref::<UInt64Array>() {
        let _ = write!(out, "{}", x.value(i));
    } else if let Some(x) = any.downcast_ref::<StringArray>() {
        out.push_str(x.value(i));
    } else {
        return Err(format!("unexpected column type {}", a.data_type()));
    }
    Ok(())
}

/// Call `f(row, record)` for every row of `file` (rows 1-based), where `record` holds the
/// text of the `wanted` columns as the CSV file of the same run would and empty cells for
/// the others.
pub fn for_each_record(
    file: &Path,
    wanted: &[bool],
    mut f: impl FnMut(u64, &csv::StringRecord) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let b = open_reader(file)?;
    let indices: Vec<usize> = (0..wanted.len()).filter(|&i| wanted[i]).collect();
    let mask = ProjectionMask::roots(b.parquet_schema(), indices.iter().copied());
    let reader = b
        .with_projection(mask)
        .with_batch_size(8192)
        .build()
        .map_err(|e| read_err(file, e))?;
    let mut rec = csv::StringRecord::new();
    let mut cell = String::new();
    let mut row = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| read_err(file, e))?;
        for i in 0..batch.num_rows() {
            row += 1;
            rec.clear();
            let mut next = 0;
            for (c, want) in wanted.iter().enumerate() {
                cell.clear();
                if *want {
                    let a = batch.column(next);
                    cell_text(a.as_ref(), i, &mut cell).map_err(|m| ReadError::Parquet {
                        file: file.to_path_buf(),
                        row,
                        message: format!(
                            "column `{}` (#{c}): {m}",
                            batch.schema_ref().field(next).name()
                        ),
                    })?;
                    next += 1;
                }
                rec.push_field(&cell);
            }
            f(row, &rec)?;
        }
    }
    Ok(())
}
