//! (to be written) exposition
