//! Text for error messages: code as users write it, and the closest of several names.

use quote::ToTokens;

/// `tokens` as a user writes them: `Option<i64>`, `std::io::Error`, not `Option < i64 >`.
pub(crate) fn code<T: ToTokens + ?Sized>(tokens: &T) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let prev = out.chars().last();
            let next = chars.peek().copied();
            let glue = matches!(prev, Some('<' | '&' | ':' | '(' | '[' | '.'))
                || matches!(
                    next,
                    Some('<' | '>' | ':' | ',' | ';' | ')' | ']' | '.' | '[')
                );
            if glue {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn code_list<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    quoted.join(", ")
}

/// The name of `candidates` closest to `name`, when it is close enough to be a typo: an
/// edit distance of at most a third of the name's length (at least 1), as rustc suggests.
pub(crate) fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, counting characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            let insertion = current[j] + 1;
            let deletion = previous[j + 1] + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use syn::{Type, parse_quote};

    #[test]
    fn code_strings() {
        let s = |ty: Type| code(&ty);
        assert_eq!(s(parse_quote!(Option<i64>)), "Option<i64>");
        assert_eq!(s(parse_quote!(std::string::String)), "std::string::String");
        assert_eq!(s(parse_quote!((i32, i32))), "(i32, i32)");
        assert_eq!(s(parse_quote!(Vec<(u8, String)>)), "Vec<(u8, String)>");
        assert_eq!(s(parse_quote!([u8; 4])), "[u8; 4]");
        let path: syn::Path = parse_quote!(errors::Wrapper::<u8>);
        assert_eq!(code(&path), "errors::Wrapper::<u8>");
        let expr: syn::Expr = parse_quote!(card.number[0]);
        assert_eq!(code(&expr), "card.number[0]");
    }

    #[test]
    fn lists() {
        assert_eq!(code_list(&["a", "b"]), "`a`, `b`");
        assert_eq!(code_list::<&str>(&[]), "");
    }

    #[test]
    fn closest_names() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
        let names = ["username", "password", "card"];
        assert_eq!(closest("pasword", &names), Some("password"));
        assert_eq!(closest("Password", &names), Some("password"));
        assert_eq!(closest("cart", &names), Some("card"));
        assert_eq!(closest("token", &names), None);
        assert_eq!(closest("x", &["y"]), Some("y"));
        assert_eq!(closest("x", &[]), None);
    }
}
