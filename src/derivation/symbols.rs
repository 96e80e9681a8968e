//! Symbols as text: the LaTeX of a hyper-parameter's Greek letter, and XML escaping.

/// The LaTeX of a hyper-parameter's symbol (`η` → `\eta`, `β₁` → `\beta_1`).
pub fn greek_latex(symbol: &str) -> String {
    let mut out = String::new();
    for c in symbol.chars() {
        let piece = match c {
            'η' => "\\eta ".to_string(),
            'μ' => "\\mu ".to_string(),
            'β' => "\\beta".to_string(),
            'ε' => "\\varepsilon ".to_string(),
            'δ' => "\\delta ".to_string(),
            'ã' => "\\tilde{a}".to_string(),
            '₀' => "_0".to_string(),
            '₁' => "_1".to_string(),
            '₂' => "_2".to_string(),
            other => other.to_string(),
        };
        out.push_str(&piece);
    }
    out.trim_end().to_string()
}

/// Escapes `<`, `>`, `&` and quotes for XML and HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
