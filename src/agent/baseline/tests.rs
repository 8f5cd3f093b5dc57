//! Unit tests of the baseline planner.
