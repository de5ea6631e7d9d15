//! Reading CSV and Parquet files as a stream of Arrow record batches, with only the needed columns.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::basic::Encoding;

use crate::error::{Error, Result};
use crate::spec::{ColumnType, DatasetSpec, InputSpec};

/// The two file formats the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// How far a pass over a file has got, for a progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub file: PathBuf,
    /// Rows read so far in this pass.
    pub rows: u64,
    /// Rows in the file: exact for Parquet, an estimate for CSV.
    pub total_rows: Option<u64>,
}

/// A progress callback, called from the thread reading the file after every batch.
#[derive(Clone)]
pub struct ProgressSink(pub Arc<dyn Fn(&Progress) + Send + Sync>);

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressSink")
    }
}

/// An opened data file: its format and full schema, ready to stream any subset of its columns.
#[derive(Debug, Clone)]
pub struct DataSource {
    path: PathBuf,
    format: Format,
    schema: SchemaRef,
    input: InputSpec,
    rows_hint: Option<u64>,
    progress: Option<ProgressSink>,
}

/// A boxed stream of batches, so callers stay non-generic.
pub type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

impl DataSource {
    /// Opens a file, checks that it is non-empty and works out its schema.
    ///
    /// CSV column types come from the spec where declared and are inferred from the first
    /// `input.infer_rows` records otherwise; Parquet carries its own schema.
    pub fn open(path: &Path, spec: &DatasetSpec) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io)?;
        if metadata.len() == 0 {
            return Err(Error::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        let format = match spec.input.format.as_deref() {
            Some("csv") => Format::Csv,
            Some("parquet") => Format::Parquet,
            Some(other) => {
                return Err(Error::SpecRule {
                    path: path.to_path_buf(),
                    message: format!("input.format '{other}' is not csv or parquet"),
                });
            }
            None => match path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("csv") | Some("txt") | Some("tsv") => Format::Csv,
                Some("parquet") | Some("pq") => Format::Parquet,
                _ => {
                    return Err(Error::UnknownFormat {
                        path: path.to_path_buf(),
                    });
                }
            },
        };
        let (schema, rows_hint) = match format {
            Format::Csv => (
                csv_schema(path, spec)?,
                csv_rows_estimate(path, metadata.len()),
            ),
            Format::Parquet => {
                let file = File::open(path).map_err(io)?;
                // Reading the footer can panic on corrupt files too (see `Guarded`).
                let builder =
                    std::panic::catch_unwind(|| ParquetRecordBatchReaderBuilder::try_new(file))
                        .map_err(|_| corrupt_parquet(path))?
                        .map_err(|e| parquet_error(path, &e))?;
                let rows = builder.metadata().file_metadata().num_rows();
                (
                    builder.schema().clone(),
                    Some(u64::try_from(rows).unwrap_or(0)),
                )
            }
        };
        if rows_hint == Some(0) {
            return Err(Error::NoRows {
                path: path.to_path_buf(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            format,
            schema,
            input: spec.input.clone(),
            rows_hint,
            progress: None,
        })
    }

    /// Reports the rows read after every batch of every pass.
    pub fn set_progress(&mut self, sink: ProgressSink) {
        self.progress = Some(sink);
    }

    fn with_progress(&self, batches: BatchIter) -> BatchIter {
        let Some(sink) = self.progress.clone() else {
            return batches;
        };
        let file = self.path.clone();
        let total_rows = self.rows_hint;
        let mut rows = 0u64;
        Box::new(batches.inspect(move |batch| {
            if let Ok(b) = batch {
                rows += b.num_rows() as u64;
                (sink.0)(&Progress {
                    file: file.clone(),
                    rows,
                    total_rows,
                });
            }
        }))
    }

    /// Copies `columns` of a CSV file into a temporary Parquet file and opens that instead, so a
    /// check that reads the data several times (to bound memory) parses the text only once.
    /// The file is deleted when the returned handle is dropped. Parquet sources are returned as
    /// they are.
    pub fn spill(
        &self,
        columns: &[String],
        spec: &DatasetSpec,
    ) -> Result<(Option<tempfile::TempPath>, DataSource)> {
        if self.format != Format::Csv {
            return Ok((None, self.clone()));
        }
        let temp = tempfile::Builder::new()
            .prefix("aims-analytics-")
            .suffix(".parquet")
            .tempfile()
            .map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let temp_path = temp.path().to_path_buf();
        let write_error = |e: parquet::errors::ParquetError| parquet_error(&temp_path, &e);
        let mut batches = self.batches(columns)?;
        let Some(first) = batches.next().transpose()? else {
            return Err(Error::NoRows {
                path: self.path.clone(),
            });
        };
        // Small row groups keep the writer's buffer small; snappy keeps writing fast.
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(131_072))
            .build();
        let file = temp.reopen().map_err(|source| Error::Io {
            path: temp_path.clone(),
            source,
        })?;
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(file, first.schema(), Some(properties))
                .map_err(write_error)?;
        writer.write(&first).map_err(write_error)?;
        for batch in batches {
            writer.write(&batch?).map_err(write_error)?;
        }
        writer.close().map_err(write_error)?;
        let mut spec = spec.clone();
        spec.input.format = Some("parquet".to_owned());
        let mut spilled = DataSource::open(&temp_path, &spec)?;
        spilled.progress = self.progress.clone();
        Ok((Some(temp.into_temp_path()), spilled))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The full schema of the file.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Row count: exact for Parquet (from its footer), an estimate for CSV (file size over the
    /// mean length of the first lines, rounded up by a quarter), used to plan memory.
    pub fn rows_hint(&self) -> Option<u64> {
        self.rows_hint
    }

    /// Whether [`Self::rows_hint`] is exact.
    pub fn rows_exact(&self) -> bool {
        self.format == Format::Parquet
    }

    /// Every column name, in file order.
    pub fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The data type of a column.
    pub fn data_type(&self, column: &str) -> Result<&DataType> {
        self.require(&[column.to_owned()])?;
        self.schema
            .field_with_name(column)
            .map(|f| f.data_type())
            .map_err(|_| self.missing(column))
    }

    /// Fails with an error naming the first column that the file lacks.
    pub fn require(&self, columns: &[String]) -> Result<()> {
        for column in columns {
            if self.schema.index_of(column).is_err() {
                return Err(self.missing(column));
            }
        }
        Ok(())
    }

    fn missing(&self, column: &str) -> Error {
        let names = self.column_names();
        let mut found = names
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > 12 {
            found.push_str(", ...");
        }
        // One column whose name contains another common delimiter almost always means the
        // file uses a different delimiter than the spec declares.
        let hint = if self.format == Format::Csv && names.len() == 1 {
            let name = &names[0];
            match [';', '\t', '|', ','].iter().find(|d| name.contains(**d)) {
                Some(d) => format!(
                    "; the header has one column containing {d:?}: is input.delimiter right?"
                ),
                None => String::new(),
            }
        } else {
            String::new()
        };
        Error::MissingColumn {
            path: self.path.clone(),
            column: column.to_owned(),
            found,
            hint,
        }
    }

    /// Streams batches holding only `columns` (looked up by name in each batch), so unread
    /// columns are never decoded (Parquet) or never materialised (CSV).
    pub fn batches(&self, columns: &[String]) -> Result<BatchIter> {
        self.batches_with_dictionaries(columns, &[])
    }

    /// As [`Self::batches`], but the text columns named in `dictionaries` whose Parquet column
    /// chunks are all dictionary-encoded are read as Arrow dictionaries (`Dictionary(Int32,
    /// Utf8)`): the decoder then hands over the file's dictionary and one integer key per row
    /// instead of copying every row's bytes, and a caller can count, validate and hash each
    /// distinct value once per batch. Other columns, and every column of a CSV file, come as
    /// [`Self::batches`] gives them; callers must accept both forms.
    pub fn batches_with_dictionaries(
        &self,
        columns: &[String],
        dictionaries: &[String],
    ) -> Result<BatchIter> {
        self.require(columns)?;
        let mut indices: Vec<usize> = columns
            .iter()
            .filter_map(|c| self.schema.index_of(c).ok())
            .collect();
        indices.sort_unstable();
        indices.dedup();
        let path = self.path.clone();
        match self.format {
            Format::Csv => {
                let file = File::open(&self.path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                let reader = arrow::csv::ReaderBuilder::new(self.schema.clone())
                    .with_header(self.input.header)
                    .with_delimiter(first_byte(&self.input.delimiter))
                    .with_quote(first_byte(&self.input.quote))
                    .with_batch_size(self.input.batch_size)
                    .with_null_regex(null_regex(&self.input)?)
                    .with_projection(indices)
                    .build(BufReader::with_capacity(1 << 20, file))
                    .map_err(|e| csv_error(&path, &e))?;
                Ok(self.with_progress(Box::new(
                    reader.map(move |r| r.map_err(|e| csv_error(&path, &e))),
                )))
            }
            Format::Parquet => {
                let file = File::open(&self.path).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                let batch_size = self.input.batch_size;
                let reader = std::panic::catch_unwind(|| {
                    let mut metadata = ArrowReaderMetadata::load(&file, Default::default())?;
                    if let Some(schema) = dictionary_schema(&metadata, dictionaries) {
                        metadata = ArrowReaderMetadata::try_new(
                            metadata.metadata().clone(),
                            ArrowReaderOptions::new().with_schema(schema),
                        )?;
                    }
                    let builder =
                        ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
                    let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
                    builder
                        .with_projection(mask)
                        .with_batch_size(batch_size)
                        .build()
                })
                .map_err(|_| corrupt_parquet(&path))?
                .map_err(|e| parquet_error(&path, &e))?;
                let mapped = reader.map({
                    let path = path.clone();
                    move |r| r.map_err(|e| parquet_arrow_error(&path, &e))
                });
                Ok(self.with_progress(Box::new(Guarded {
                    inner: mapped,
                    path,
                    failed: false,
                })))
            }
        }
    }
}

/// The file's Arrow schema with the plain UTF-8 columns named in `wanted` turned into
/// `Dictionary(Int32, Utf8)`, or None when no column qualifies. A column qualifies when every
/// row group stores it with a dictionary page and, where the footer says which encodings its
/// data pages use, only dictionary-encoded pages: the decoder then keeps the file's dictionary.
/// (For plain pages arrow would still return a correct dictionary, but built by hashing every
/// value: a cost worth avoiding on high-cardinality text whose dictionary filled up.)
fn dictionary_schema(metadata: &ArrowReaderMetadata, wanted: &[String]) -> Option<SchemaRef> {
    if wanted.is_empty() {
        return None;
    }
    let parquet_schema = metadata.parquet_schema();
    let schema = metadata.schema();
    let metadata = metadata.metadata();
    let mut changed = false;
    let fields: Vec<Arc<Field>> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            // Only top-level primitive columns map one to one onto Parquet leaves.
            let leaf = (0..parquet_schema.num_columns()).find(|&l| {
                parquet_schema.get_column_root_idx(l) == i
                    && parquet_schema.column(l).path().parts().len() == 1
            });
            let encoded = leaf.is_some_and(|l| {
                metadata.num_row_groups() > 0
                    && metadata.row_groups().iter().all(|rg| {
                        let chunk = rg.column(l);
                        // The footer's page encoding statistics, where written, also tell a
                        // chunk whose dictionary filled up and whose later pages are plain.
                        chunk.dictionary_page_offset().is_some()
                            && chunk.page_encoding_stats_mask().is_none_or(|mask| {
                                mask.is_only(Encoding::RLE_DICTIONARY)
                                    || mask.is_only(Encoding::PLAIN_DICTIONARY)
                            })
                    })
            });
            if field.data_type() == &DataType::Utf8 && encoded && wanted.contains(field.name()) {
                changed = true;
                Arc::new(field.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(DataType::Utf8),
                )))
            } else {
                field.clone()
            }
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// The Parquet decoder panics on some corrupt files instead of returning an error. A
/// corrupt upload must not take the server down, so a panic while decoding becomes a
/// "corrupt file" error, and the iteration stops there.
struct Guarded<I> {
    inner: I,
    path: PathBuf,
    failed: bool,
}

impl<I: Iterator<Item = Result<RecordBatch>>> Iterator for Guarded<I> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.inner.next())) {
            Ok(item) => item,
            Err(_) => {
                self.failed = true;
                Some(Err(corrupt_parquet(&self.path)))
            }
        }
    }
}

fn corrupt_parquet(path: &Path) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        message: "the file is corrupt: a data page could not be decoded".into(),
    }
}

/// Estimates a CSV file's rows from the mean length of the lines in its first 64 KiB.
fn csv_rows_estimate(path: &Path, size: u64) -> Option<u64> {
    let mut head = vec![0u8; 64 * 1024];
    let mut file = File::open(path).ok()?;
    let read = file.read(&mut head).ok()?;
    let lines = head[..read].iter().filter(|b| **b == b'\n').count().max(1) as u64;
    let mean = (read as u64 / lines).max(1);
    Some(size / mean + size / mean / 4 + 1)
}

fn first_byte(s: &str) -> u8 {
    s.as_bytes().first().copied().unwrap_or(b',')
}

fn null_regex(input: &InputSpec) -> Result<regex::Regex> {
    let mut alternatives = vec![String::new()];
    alternatives.extend(input.null_values.iter().map(|v| regex::escape(v)));
    let pattern = format!("^(?:{})$", alternatives.join("|"));
    regex::Regex::new(&pattern).map_err(|e| Error::Invalid(format!("bad null_values: {e}")))
}

fn csv_error(path: &Path, e: &arrow::error::ArrowError) -> Error {
    let mut message = clean_arrow_message(&e.to_string());
    // Types are inferred from the first records; a later value of another type fails to parse.
    if message.contains("while parsing value") {
        message.push_str(" (column types are inferred from the first input.infer_rows records: declare the column's type in the spec)");
    }
    Error::Csv {
        path: path.to_path_buf(),
        message,
    }
}

fn parquet_error(path: &Path, e: &parquet::errors::ParquetError) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        message: e.to_string().to_lowercase(),
    }
}

fn parquet_arrow_error(path: &Path, e: &arrow::error::ArrowError) -> Error {
    Error::Parquet {
        path: path.to_path_buf(),
        message: clean_arrow_message(&e.to_string()),
    }
}

/// Arrow prefixes messages with its error kind ("Csv error: ..."); keep the substance, lowercased
/// at the start to match this crate's style.
fn clean_arrow_message(message: &str) -> String {
    let trimmed = message
        .split_once(" error: ")
        .map(|(_, rest)| rest)
        .unwrap_or(message)
        .trim();
    let mut chars = trimmed.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Works out a CSV schema: inference over the first records, then the spec's declared types.
fn csv_schema(path: &Path, spec: &DatasetSpec) -> Result<SchemaRef> {
    let input = &spec.input;
    let mut file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Reject bad UTF-8 in the header before arrow does, so the message can say "line 1".
    let mut head = vec![0u8; 64 * 1024];
    let read = file.read(&mut head).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    head.truncate(read);
    if input.header {
        let line_end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
        if let Err(e) = std::str::from_utf8(&head[..line_end]) {
            return Err(Error::Csv {
                path: path.to_path_buf(),
                message: format!(
                    "invalid utf-8 in the header (line 1) at byte {}",
                    e.valid_up_to()
                ),
            });
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = arrow::csv::reader::Format::default()
        .with_header(input.header)
        .with_delimiter(first_byte(&input.delimiter))
        .with_quote(first_byte(&input.quote))
        .with_null_regex(null_regex(input)?);
    let (inferred, records) = format
        .infer_schema(BufReader::new(file), Some(input.infer_rows))
        .map_err(|e| csv_error(path, &e))?;
    if records == 0 {
        return Err(Error::NoRows {
            path: path.to_path_buf(),
        });
    }
    let fields: Vec<Field> = inferred
        .fields()
        .iter()
        .map(|f| {
            let declared = spec.columns.get(f.name()).and_then(|c| c.column_type);
            let data_type = match declared {
                Some(ColumnType::Integer) => DataType::Int64,
                Some(ColumnType::Float) => DataType::Float64,
                Some(ColumnType::String) => DataType::Utf8,
                Some(ColumnType::Boolean) => DataType::Boolean,
                Some(ColumnType::Timestamp) => DataType::Timestamp(TimeUnit::Microsecond, None),
                // An all-null sample says nothing about the type: read it as text.
                None if f.data_type() == &DataType::Null => DataType::Utf8,
                None => f.data_type().clone(),
            };
            Field::new(f.name(), data_type, true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}
