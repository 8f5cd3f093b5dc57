//! Environment configuration: typed YAML files per environment, layered with environment variables and CLI flags,
//! validated with file:line:column positions, written back so that they load identically.

use crate::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
}

impl ConfigError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConfigError::Invalid(_) => ErrorKind::Input,
        }
    }
}
