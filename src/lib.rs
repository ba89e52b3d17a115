//! whatif: scenario analysis for cause-and-effect models.
//!
//! The library is the product; the `whatif` binary is a thin layer over it. A
//! model flows one way through the stages, each a module with its own error type:
//! [`syntax`] (text → AST), [`check`] (AST → checked model and diagnostics), then
//! compilation, evaluation and rendering.

pub mod limits;
pub mod span;
pub mod syntax;
