//! The browser engine: Chromium over CDP (chromiumoxide), isolated sessions, the DOM state the model sees and the
//! actions it can take.

pub mod types;
