//! The formatter (placeholder).
