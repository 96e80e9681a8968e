//! The last step of every error message before it is printed: one line of at most
//! [`MAX_CHARS`] characters, whatever the input held. User text inside a message is quoted in
//! backticks; a quote longer than [`MAX_QUOTE`] characters is cut to an excerpt (`` `abc…` (1048576
//! characters) ``), and control characters anywhere (a newline in a field or a column name) are
//! escaped as `\n`, `\r`, `\t` or `\u{1b}`.

/// The longest quoted user text kept whole.
pub const MAX_QUOTE: usize = 60;
/// The longest message printed.
pub const MAX_CHARS: usize = 1000;

/// The message, escaped and cut (see the module docs).
pub fn tidy(message: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<String> = None;
    for c in message.chars() {
        match (quote.as_mut(), c) {
            (None, '`') => quote = Some(String::new()),
            (Some(_), '`') => push_quote(&mut out, &quote.take().unwrap_or_default(), true),
            (Some(q), c) => q.push(c),
            (None, c) => escape_into(&mut out, c),
        }
    }
    if let Some(q) = quote {
        push_quote(&mut out, &q, false);
    }
    if out.chars().count() > MAX_CHARS {
        out = out.chars().take(MAX_CHARS).collect::<String>() + "…";
    }
    out
}

/// `` `text` ``, escaped, or its excerpt and length when longer than [`MAX_QUOTE`].
fn push_quote(out: &mut String, text: &str, closed: bool) {
    out.push('`');
    for c in text.chars().take(MAX_QUOTE) {
        escape_into(out, c);
    }
    let n = text.chars().count();
    if n > MAX_QUOTE {
        out.push_str(&format!("…` ({n} characters)"));
    } else if closed {
        out.push('`');
    }
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_are_escaped_and_long_quotes_cut() {
        assert_eq!(
            tidy("line 2: `a\nb` is not a number"),
            "line 2: `a\\nb` is not a number"
        );
        let long = format!("line 2: `{}` is not a number", "x".repeat(100));
        assert_eq!(
            tidy(&long),
            format!(
                "line 2: `{}…` (100 characters) is not a number",
                "x".repeat(60)
            )
        );
        assert_eq!(tidy("plain"), "plain");
        assert_eq!(tidy("bell\u{7}"), "bell\\u{7}");
        assert!(tidy(&"y".repeat(5000)).chars().count() <= MAX_CHARS + 1);
    }
}
