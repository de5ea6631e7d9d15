//! Content-addressed file storage for evidence: each file is kept once, under its SHA-256,
//! in the data directory. The database holds only the hash, which the ledger covers.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::StoreError;

/// Files under `<root>/<first two hex digits>/<sha256>`.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("evidence file storage: {error}"))
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, sha256: &str) -> Result<PathBuf, StoreError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Corrupt(format!("`{sha256}` is not a SHA-256")));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores the bytes (once) and returns their SHA-256. Written to a temporary file and
    /// renamed, so a crash never leaves a partial file under a valid name.
    pub fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path(&sha256)?;
        if path.exists() {
            return Ok(sha256);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let temporary = dir.join(format!(".{sha256}.{}", std::process::id()));
        let mut file = std::fs::File::create(&temporary).map_err(io)?;
        file.write_all(bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&temporary, &path).map_err(io)?;
        Ok(sha256)
    }

    /// Reads a stored file and checks it still has the hash it is stored under.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let bytes = std::fs::read(self.path(sha256)?).map_err(io)?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(StoreError::Corrupt(format!(
                "the evidence file {sha256} was changed on disk"
            )));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_and_tampering_is_caught() -> Result<(), StoreError> {
        let dir = std::env::temp_dir().join(format!("aims-files-{}", std::process::id()));
        let store = FileStore::new(&dir);
        let hash = store.put(b"evidence")?;
        assert_eq!(store.put(b"evidence")?, hash);
        assert_eq!(store.get(&hash)?, b"evidence");
        std::fs::write(dir.join(&hash[..2]).join(&hash), b"changed").map_err(io)?;
        assert!(store.get(&hash).is_err());
        assert!(store.get("../../etc/passwd").is_err());
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
