//! Command table: config operations.
