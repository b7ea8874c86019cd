//! Where the generated code finds the runtime: through the `nameko` facade, or through the
//! crates one by one (`nameko-core`, `nameko-amqp`, `nameko-web`, `nameko-timer`).
//!
//! In order:
//!
//! 1. `crate = "some::path"` on the macro: the facade is at `some::path` (serde's
//!    `#[serde(crate = "...")]`), for a facade re-exported by another crate or renamed in a
//!    way the manifest does not tell;
//! 2. the user's `Cargo.toml` depends on `nameko`, under any name: `::that_name`; the
//!    `nameko` crate itself (its unit tests and doctests) is `::nameko`, which its
//!    `extern crate self as nameko;` provides;
//! 3. otherwise the crates one by one: `::nameko_core`, `::nameko_amqp`, ...

use proc_macro_crate::FoundCrate;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, quote};

/// The root of every path the generated code names.
#[derive(Clone, Debug)]
pub(crate) enum Root {
    /// The `nameko` facade at this path: `<path>::__private::{core, amqp, web, timer}`.
    Facade(TokenStream),
    /// The crates one by one: `::nameko_core::__private`, `::nameko_amqp::__private`, ...
    Crates,
}

impl Root {
    /// The root for an expansion, given the macro's `crate = "..."` if any.
    pub(crate) fn resolve(krate: Option<&syn::Path>) -> Root {
        if let Some(path) = krate {
            return Root::Facade(path.to_token_stream());
        }
        Root::from_manifest(find_facade())
    }

    /// The root for what the user's manifest says about `nameko`.
    fn from_manifest(found: Option<FoundCrate>) -> Root {
        match found {
            Some(FoundCrate::Itself) => Root::Facade(quote!(::nameko)),
            Some(FoundCrate::Name(name)) => match syn::parse_str::<Ident>(&name) {
                Ok(ident) => {
                    let ident = Ident::new(&ident.to_string(), Span::call_site());
                    Root::Facade(quote!(::#ident))
                }
                Err(_) => Root::Crates,
            },
            // Not a dependency, or no manifest to read: the crates one by one.
            None => Root::Crates,
        }
    }
}

/// The `nameko` dependency of the crate being compiled, from its manifest.
#[cfg(not(test))]
fn find_facade() -> Option<FoundCrate> {
    proc_macro_crate::crate_name("nameko").ok()
}

/// This crate's own unit tests expand without a user's manifest (this crate's manifest,
/// which has `nameko` as a dev-dependency for its doctests, is not one): they check the
/// crates-one-by-one paths, and `Root::from_manifest` on its own. The facade paths are
/// checked by the UI tests, which depend on `nameko`.
#[cfg(test)]
fn find_facade() -> Option<FoundCrate> {
    None
}

/// Parses the value of `crate = "..."`: the path of the `nameko` crate, as a string.
pub(crate) fn parse_crate_path(lit: &syn::LitStr) -> syn::Result<syn::Path> {
    let invalid = || {
        syn::Error::new_spanned(
            lit,
            format!(
                "`crate` takes the path of the `nameko` crate, such as `crate = \"::nameko\"` or, where another crate re-exports it, `crate = \"other::nameko\"`; {:?} is not a path",
                lit.value()
            ),
        )
    };
    let path = lit
        .parse_with(syn::Path::parse_mod_style)
        .map_err(|_| invalid())?;
    if path.segments.is_empty() {
        return Err(invalid());
    }
    Ok(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn crate_paths() {
        let ok: syn::LitStr = parse_quote!("::my_nameko");
        assert_eq!(
            parse_crate_path(&ok).unwrap().to_token_stream().to_string(),
            ":: my_nameko"
        );
        let ok: syn::LitStr = parse_quote!("crate::deps::nameko");
        assert!(parse_crate_path(&ok).is_ok());
        for bad in [
            parse_quote!("not a path"),
            parse_quote!(""),
            parse_quote!("a::<u8>"),
            parse_quote!("a::"),
        ] {
            let bad: syn::LitStr = bad;
            let message = parse_crate_path(&bad).unwrap_err().to_string();
            assert!(message.starts_with("`crate` takes the path"), "{message}");
        }
    }

    #[test]
    fn explicit_path_wins() {
        let path: syn::Path = parse_quote!(crate::deps::nameko);
        match Root::resolve(Some(&path)) {
            Root::Facade(tokens) => assert_eq!(tokens.to_string(), "crate :: deps :: nameko"),
            Root::Crates => panic!("expected the facade"),
        }
    }

    #[test]
    fn what_the_manifest_says() {
        let facade = |found| match Root::from_manifest(found) {
            Root::Facade(tokens) => Some(tokens.to_string()),
            Root::Crates => None,
        };
        assert_eq!(
            facade(Some(FoundCrate::Itself)).as_deref(),
            Some(":: nameko")
        );
        assert_eq!(
            facade(Some(FoundCrate::Name("my_nameko".into()))).as_deref(),
            Some(":: my_nameko")
        );
        assert_eq!(facade(Some(FoundCrate::Name("not an ident".into()))), None);
        assert_eq!(facade(None), None);
    }
}
