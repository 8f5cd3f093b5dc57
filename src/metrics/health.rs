//! (to be written) health
