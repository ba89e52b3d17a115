//! The layout of every JSON output: objects one member per line, as
//! `serde_json`'s pretty printer lays them out, but an array of plain values
//! (numbers, strings, booleans) on one line.
//!
//! It lives in the library, not the command line, so that every program that
//! embeds whatif (the Python package among them) writes the very bytes
//! `--format json` prints: [`super::document`] and [`super::write_document`].
//!
//! An evaluation's output is mostly series of a value per step: one number
//! per line made a 1,000-factor model's output 11 MB, most of it indentation,
//! and writing it cost a quarter of the whole command. On one line a series
//! also reads as one.

use serde_json::ser::{CompactFormatter, Formatter};
use std::io::{self, Write};

const INDENT: &[u8] = b"  ";

/// A [`Formatter`] for the layout above.
///
/// An array element's separator is written only when the element begins,
/// since only then is it known whether it is a plain value (same line) or an
/// object or array (a line of its own).
#[derive(Debug, Default)]
pub struct Layout {
    depth: usize,
    /// Per open array: whether an element took a line of its own.
    arrays: Vec<bool>,
    /// An array element has begun; `Some(first)` until its first byte.
    pending: Option<bool>,
    /// The open object has a member (so it closes on a line of its own).
    has_member: bool,
}

impl Layout {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(INDENT)?;
        }
        Ok(())
    }

    /// Writes the separator owed to an array element that is starting.
    fn lead<W: ?Sized + Write>(&mut self, w: &mut W, container: bool) -> io::Result<()> {
        let Some(first) = self.pending.take() else {
            return Ok(());
        };
        if container {
            if let Some(own_line) = self.arrays.last_mut() {
                *own_line = true;
            }
            if !first {
                w.write_all(b",")?;
            }
            self.newline(w)
        } else if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }
}

/// Writes a plain value after its separator, as the compact formatter does.
macro_rules! plain {
    ($($name:ident($t:ty)),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, value: $t) -> io::Result<()> {
            self.lead(w, false)?;
            CompactFormatter.$name(w, value)
        }
    )*};
}

impl Formatter for Layout {
    plain!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
        write_raw_fragment(&str),
    );

    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.lead(w, false)?;
        w.write_all(b"null")
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.lead(w, false)?;
        w.write_all(b"\"")
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.lead(w, true)?;
        self.depth += 1;
        self.arrays.push(false);
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.arrays.pop() == Some(true) {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, _: &mut W, first: bool) -> io::Result<()> {
        self.pending = Some(first);
        Ok(())
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.lead(w, true)?;
        self.depth += 1;
        self.has_member = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_member {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        // The object that holds this value has a member, whatever the value
        // (an inner object) set on the way.
        self.has_member = true;
        Ok(())
    }
}

/// Writes `value` to `w` in [`Layout`].
///
/// # Errors
/// Writing failed, or `value` refused to serialize.
pub fn to_writer<W: Write, T: ?Sized + serde::Serialize>(w: W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Layout::default());
    value.serialize(&mut ser).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn laid_out(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_arrays_take_one_line_and_containers_their_own() {
        let v = json!({
            "a": [1.5, 2, -3],
            "b": {"c": [], "d": {}, "e": ["x", null, true]},
            "f": [{"g": 1}, [4, 5]],
        });
        assert_eq!(
            laid_out(&v),
            "{\n  \"a\": [1.5, 2, -3],\n  \"b\": {\n    \"c\": [],\n    \"d\": {},\n    \
             \"e\": [\"x\", null, true]\n  },\n  \"f\": [\n    {\n      \"g\": 1\n    },\n    \
             [4, 5]\n  ]\n}"
        );
    }

    #[test]
    fn the_layout_reads_back_as_the_same_value() {
        let v = json!({"k": [[1, [2, {"z": [3.25, "s\"q"]}]], {}, []], "n": null});
        let back: serde_json::Value = serde_json::from_str(&laid_out(&v)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn objects_lay_out_as_the_pretty_printer_does() {
        let v = json!({"a": {"b": {"c": 1}}, "d": "e"});
        assert_eq!(laid_out(&v), serde_json::to_string_pretty(&v).unwrap());
    }
}
