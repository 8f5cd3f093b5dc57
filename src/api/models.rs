//! Command table: models operations.
