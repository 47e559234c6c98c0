//! The public datasets the known-answer tests read in place, from `LINLI_DATA_DIR`
//! (default `../shared/data` beside the repository; docs/data.md).
//!
//! In CI (`CI` set) a missing dataset fails the test. Elsewhere the test says which
//! dataset is missing and how to obtain it, and passes, so a clone without the data
//! still runs the rest of the suite.

use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    match std::env::var_os("LINLI_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// The bytes of `folder/file`, or `None` (outside CI) after saying what is missing.
pub fn dataset(folder: &str, file: &str) -> Option<Vec<u8>> {
    let path = data_dir().join(folder).join(file);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            let message = format!(
                "dataset {folder}/{file} is missing ({}: {e}); set LINLI_DATA_DIR or download it as \
                 {folder}/SOURCE.md and docs/data.md say",
                path.display()
            );
            assert!(std::env::var_os("CI").is_none(), "{message}");
            eprintln!("skipped: {message}");
            None
        }
    }
}
