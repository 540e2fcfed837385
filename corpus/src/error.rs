//! The loader's typed error: what went wrong and in which file, field or transaction.
//!
//! Input: failures of reading and decoding a block directory. Output: [`CorpusError`], whose
//! `Display` is one line naming the file and the field or transaction at fault.

use std::path::PathBuf;

/// Why a block directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file could not be read.
    #[error("{path}: cannot read: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// A file is not valid JSON of the expected shape (the message names line and column).
    #[error("{path}: {error}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The decoding error.
        error: serde_json::Error,
    },
    /// A field has a value the loader cannot use.
    #[error("{path}: field `{field}`: {message}")]
    Field {
        /// The file.
        path: PathBuf,
        /// The field, as a JSON path.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A transaction cannot be turned into an executable one.
    #[error("{path}: transaction {index} ({hash}): {message}")]
    Transaction {
        /// The file.
        path: PathBuf,
        /// Position in the block.
        index: usize,
        /// Transaction hash.
        hash: String,
        /// What is wrong with it.
        message: String,
    },
    /// A corpus directory holds no block directory.
    #[error("{path}: no block directory (block.json) found")]
    Empty {
        /// The directory.
        path: PathBuf,
    },
}
