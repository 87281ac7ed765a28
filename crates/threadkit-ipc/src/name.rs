//! Names of shared objects: validated once, kept in both forms (as given, and as the
//! `/name` C string that `shm_open` takes).

use std::ffi::CString;

use crate::error::{NameError, OpenError};
use crate::sys::shm;

/// The longest name, in bytes, without the optional leading `/`: the longest file
/// name (`NAME_MAX`), since Linux keeps shared memory objects as files in `/dev/shm`.
pub const MAX_NAME_LEN: usize = 255;

/// A validated name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Name {
    /// Without the leading `/`: what users see in errors and `name()`.
    display: String,
    /// `/` + the name, for `shm_open` and `shm_unlink`.
    c_name: CString,
}

impl Name {
    /// Validates `name`: an optional leading `/`, then 1 to [`MAX_NAME_LEN`] bytes
    /// without `/` or NUL, and not `.` or `..`.
    pub(crate) fn new(name: &str) -> Result<Self, NameError> {
        let bare = name.strip_prefix('/').unwrap_or(name);
        if bare.is_empty() {
            return Err(NameError::Empty);
        }
        if bare.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong {
                len: bare.len(),
                max: MAX_NAME_LEN,
            });
        }
        if bare.contains('/') {
            return Err(NameError::Slash {
                name: name.to_owned(),
            });
        }
        if bare == "." || bare == ".." {
            return Err(NameError::Reserved {
                name: name.to_owned(),
            });
        }
        let c_name = CString::new(format!("/{bare}")).map_err(|_| NameError::Nul {
            name: name.to_owned(),
        })?;
        Ok(Self {
            display: bare.to_owned(),
            c_name,
        })
    }

    /// The name without the leading `/`.
    pub(crate) fn as_str(&self) -> &str {
        &self.display
    }

    /// `/name`, for the system calls.
    pub(crate) fn c_name(&self) -> &CString {
        &self.c_name
    }
}

/// Removes the name `name`, whatever it holds — also an object that opens as
/// [`OpenError::Incomplete`] or one of another kind. Processes that have the object
/// open keep using it. Prefer the kind-checked `Lock::unlink`, `Event::unlink`, ….
///
/// # Errors
///
/// [`OpenError::NotFound`], [`OpenError::InvalidName`], [`OpenError::PermissionDenied`].
pub fn unlink(name: &str) -> Result<(), OpenError> {
    shm::unlink(&Name::new(name)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_with_or_without_a_leading_slash() {
        let plain = Name::new("jobs.lock").unwrap();
        assert_eq!(plain.as_str(), "jobs.lock");
        assert_eq!(plain.c_name().to_str().unwrap(), "/jobs.lock");
        assert_eq!(Name::new("/jobs.lock").unwrap(), plain);
        assert!(Name::new(&"x".repeat(MAX_NAME_LEN)).is_ok());
        assert!(Name::new("ünïcödé names").is_ok());
    }

    #[test]
    fn refuses_bad_names_with_clear_errors() {
        assert_eq!(Name::new(""), Err(NameError::Empty));
        assert_eq!(Name::new("/"), Err(NameError::Empty));
        assert_eq!(
            Name::new(&"x".repeat(MAX_NAME_LEN + 1)),
            Err(NameError::TooLong {
                len: MAX_NAME_LEN + 1,
                max: MAX_NAME_LEN
            })
        );
        assert!(matches!(Name::new("a/b"), Err(NameError::Slash { .. })));
        assert!(matches!(Name::new("//a"), Err(NameError::Slash { .. })));
        assert!(matches!(Name::new("a\0b"), Err(NameError::Nul { .. })));
        assert!(matches!(Name::new(".."), Err(NameError::Reserved { .. })));
        assert!(matches!(Name::new("/."), Err(NameError::Reserved { .. })));
        let error = Name::new("a/b").unwrap_err().to_string();
        assert_eq!(
            error,
            "name \"a/b\" contains '/' (only a leading '/' is allowed)"
        );
    }
}
