//! `ErrorKind`: how a failure should be reported (input, not found, conflict, failed) and the exit code each kind
//! maps to. A leaf module: it imports nothing from the crate, so every domain's typed error can classify itself
//! without depending on the aggregate `crate::error::Error` (which wraps the domains' errors and so sits above them).

/// How a failure should be reported to the person or program that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request itself is wrong: bad syntax, a value out of range, an unknown id (exit code 2).
    Input,
    /// The request names something that does not exist (exit code 2).
    NotFound,
    /// The request conflicts with stored state: a duplicate name, a re-logged param (exit code 2).
    Conflict,
    /// The caller's role may not do this (a team server's viewer writing, an editor deploying to a protected
    /// target) (exit code 2).
    Forbidden,
    /// Something failed while doing a valid request: I/O, a corrupt database (exit code 1).
    Failed,
}

impl ErrorKind {
    /// Process exit code for this kind: 2 for bad usage or input, 1 for a failure.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Input | ErrorKind::NotFound | ErrorKind::Conflict | ErrorKind::Forbidden => 2,
            ErrorKind::Failed => 1,
        }
    }

    /// The kind of an I/O error on a path the user named (an input file, a report's output path): a path that does
    /// not exist is `NotFound`, one that cannot be used as asked (permission denied, a directory where a file was
    /// expected, not UTF-8 text) is `Input`, so both exit 2 like any other bad input; anything else (a full disk,
    /// a device error) is `Failed`.
    pub fn of_user_path_io(e: &std::io::Error) -> ErrorKind {
        use std::io::ErrorKind as Io;
        match e.kind() {
            Io::NotFound => ErrorKind::NotFound,
            Io::PermissionDenied | Io::IsADirectory | Io::NotADirectory | Io::InvalidData | Io::InvalidInput => {
                ErrorKind::Input
            }
            _ => ErrorKind::Failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn usage_kinds_exit_2_and_failures_exit_1() {
        assert_eq!(ErrorKind::Input.exit_code(), 2);
        assert_eq!(ErrorKind::NotFound.exit_code(), 2);
        assert_eq!(ErrorKind::Conflict.exit_code(), 2);
        assert_eq!(ErrorKind::Failed.exit_code(), 1);
    }

    #[test]
    fn a_user_path_that_is_missing_or_unusable_is_bad_input_and_a_device_fault_is_a_failure() {
        use std::io::{Error, ErrorKind as Io};
        assert_eq!(ErrorKind::of_user_path_io(&Error::from(Io::NotFound)), ErrorKind::NotFound);
        assert_eq!(ErrorKind::of_user_path_io(&Error::from(Io::PermissionDenied)), ErrorKind::Input);
        assert_eq!(ErrorKind::of_user_path_io(&Error::from(Io::IsADirectory)), ErrorKind::Input);
        assert_eq!(ErrorKind::of_user_path_io(&Error::from(Io::InvalidData)), ErrorKind::Input);
        assert_eq!(ErrorKind::of_user_path_io(&Error::from(Io::StorageFull)), ErrorKind::Failed);
    }
}
