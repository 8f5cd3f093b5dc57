//! Command table: runs operations.
