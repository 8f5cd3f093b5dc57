//! Command table: run_search operations.
