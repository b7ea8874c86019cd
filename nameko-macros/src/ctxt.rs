//! The error accumulator: every stage reports mistakes here instead of returning early, so
//! one expansion shows all of them at once.

use std::fmt::Display;

use quote::ToTokens;

/// Collects spanned errors; [`Ctxt::into_result`] combines them into one [`syn::Error`]
/// that renders as one `compile_error!` per mistake.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error pointing at `tokens`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error pointing at `span`.
    pub(crate) fn error_at<M: Display>(&mut self, span: proc_macro2::Span, message: M) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error that another stage (a `Parse` impl) produced.
    pub(crate) fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Whether no error has been recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// All errors combined into one, or `Ok` when there are none.
    pub(crate) fn into_result(self) -> syn::Result<()> {
        let mut errors = self.errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_ok() {
        assert!(Ctxt::new().into_result().is_ok());
    }

    #[test]
    fn combines_every_error() {
        let mut cx = Ctxt::new();
        cx.error_at(proc_macro2::Span::call_site(), "first");
        cx.error_spanned_by(quote::quote!(x), "second");
        assert!(!cx.is_empty());
        let Err(error) = cx.into_result() else {
            panic!("expected errors");
        };
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }
}
