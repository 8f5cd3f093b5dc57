//! (to be written) alerts
