//! Renderers: results in words and tables for people, in CSV for tools, the
//! typed JSON outputs ([`json`]), pictures of the graph, and the HTML report
//! with its SVG pictures. They build strings and values; printing them is the
//! caller's business.

pub mod causes;
pub mod csv;
pub mod diagnostics;
pub mod dot;
pub mod drawing;
pub mod escape;
pub mod html;
pub mod json;
pub mod loops;
pub mod mermaid;
pub mod study;
pub mod svg_chart;
pub mod svg_graph;
pub mod text;

/// A number with at most `digits` significant digits, without trailing zeros.
#[must_use]
pub fn num(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "–".to_string()
        } else {
            format!("{v}")
        };
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.abs() >= 1e15 {
        // Hundreds of digits help no one: `1.23e40`.
        let text = format!("{:.*e}", digits.saturating_sub(1), v);
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.trim_end_matches('0').trim_end_matches('.')
        } else {
            mantissa
        };
        return format!("{mantissa}e{exponent}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - magnitude).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// [`num`] with a leading `+` on positive values, for changes.
#[must_use]
pub fn signed(v: f64, digits: usize) -> String {
    let s = num(v, digits);
    if v > 0.0 && s != "0" {
        format!("+{s}")
    } else {
        s
    }
}

/// A change in probability, in percentage points with a sign.
#[must_use]
pub fn points(v: f64) -> String {
    format!("{} pts", signed(v * 100.0, 3))
}

#[cfg(test)]
mod tests {
    use super::{num, points, signed};

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(0.052, 3), "+0.052");
        assert_eq!(signed(-0.0105, 3), "-0.0105");
        assert_eq!(signed(0.0, 3), "0");
        assert_eq!(points(0.725), "+72.5 pts");
        assert_eq!(points(-0.01), "-1 pts");
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(num(0.123456, 3), "0.123");
        assert_eq!(num(1.2999999999999998, 6), "1.3");
        assert_eq!(num(52.0, 3), "52");
        assert_eq!(num(-0.0001234, 2), "-0.00012");
        assert_eq!(num(0.0, 3), "0");
        assert_eq!(num(1.2345e40, 3), "1.23e40");
        assert_eq!(num(-1e100, 3), "-1e100");
        assert_eq!(num(123_456_789_012_345.0, 3), "123456789012345");
    }
}
