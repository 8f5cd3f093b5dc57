//! (to be written) summary
