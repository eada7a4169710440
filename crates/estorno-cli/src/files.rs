//! Files the command line writes — the journal, its WAL, the report — are private to the user:
//! created with mode 0600 whatever the umask, and a report is written in full before it
//! replaces an older one, so a crash never leaves half a report behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The mode of every file the command line writes.
#[cfg(unix)]
pub const PRIVATE_MODE: u32 = 0o600;

/// Creates `path` empty with mode 0600 if it does not exist, and sets 0600 either way: the
/// mode given at creation is reduced by the umask, so it is set again explicitly.
pub fn create_private(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_MODE);
    }
    drop(options.open(path)?);
    restrict(path)
}

/// Sets mode 0600 on `path`; a file that does not exist is left alone.
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match fs::set_permissions(path, fs::Permissions::from_mode(PRIVATE_MODE)) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Writes `contents` to `path` through a private temporary file beside it, synced and then
/// renamed over the old file.
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = PrivateFile::create(path)?;
    file.write_all(contents)?;
    file.commit()
}

/// A file written in full before it replaces `path`: private to the user, written to a
/// temporary file beside it, which [`PrivateFile::commit`] syncs and renames over `path`.
/// Dropped without a commit, it leaves `path` as it was.
pub struct PrivateFile {
    file: File,
    temporary: PathBuf,
    path: PathBuf,
}

impl PrivateFile {
    pub fn create(path: &Path) -> io::Result<PrivateFile> {
        let temporary = sibling(path, ".tmp");
        // A temporary file left by a crash is ours to replace.
        let _ = fs::remove_file(&temporary);
        create_private(&temporary)?;
        let file = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&temporary)?;
        Ok(PrivateFile {
            file,
            temporary,
            path: path.to_owned(),
        })
    }

    /// Makes the file's contents durable and puts them at the path.
    pub fn commit(self) -> io::Result<()> {
        self.file.sync_all()?;
        drop(self.file);
        fs::rename(&self.temporary, &self.path)?;
        restrict(&self.path)?;
        // The rename itself must survive a crash too.
        if let Some(parent) = self
            .path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            && let Ok(directory) = File::open(parent)
        {
            let _ = directory.sync_all();
        }
        Ok(())
    }
}

impl Write for PrivateFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.file.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// `path` with `suffix` appended to its file name: `refunds.csv` → `refunds.csv.report.csv`.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_private_whatever_existed_before() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh");
        create_private(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o600);

        let loose = dir.path().join("loose");
        fs::write(&loose, b"old").unwrap();
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&loose, b"new").unwrap();
        assert_eq!(mode(&loose), 0o600);
        assert_eq!(fs::read(&loose).unwrap(), b"new");
        assert!(!sibling(&loose, ".tmp").exists());
    }
}
