//! (to be written) collector
