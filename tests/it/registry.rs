//! Integration tests: registry.

use crate::util::Home;

#[test]
fn home_paths_are_separate() {
    let h = Home::new();
    assert_ne!(h.data_dir(), h.config_dir());
}
