//! `#[entrypoint(my_crate::kind(...), expected_exceptions(...), sensitive_arguments(...))]`:
//! an entrypoint kind of another crate.

use syn::{Attribute, Expr};

use super::{Arg, WorkerArgs, WorkerKeys, path_to_string, python_args};
use crate::ctxt::Ctxt;

const MARKER: &str = "entrypoint";

/// What a `#[entrypoint]` without its kind is told.
const NEEDS_KIND: &str = "`#[entrypoint]` needs the entrypoint kind first, an expression of a type that implements `IntoEntrypoint`: e.g. `#[entrypoint(my_transport::subscribe(\"orders\"))]`";

/// Arguments of `#[entrypoint(...)]`.
#[derive(Debug)]
pub(crate) struct CustomArgs {
    /// The entrypoint kind: an expression of a type that implements `IntoEntrypoint`,
    /// compiled as written.
    pub(crate) kind: Expr,
    pub(crate) worker: WorkerArgs,
}

/// Parses the arguments of an `#[entrypoint]` attribute; every mistake is reported.
pub(crate) fn custom_args(attr: &Attribute) -> syn::Result<CustomArgs> {
    let mut cx = Ctxt::new();
    let args = python_args(&mut cx, attr, MARKER)?;
    let mut worker = WorkerKeys::new(MARKER, true);
    let mut kind = None;
    for arg in args {
        match arg {
            Arg::Positional(value) => {
                if worker.bare(&mut cx, &value) {
                    continue;
                }
                if kind.is_some() {
                    cx.error_spanned_by(
                        &value,
                        "`#[entrypoint]` takes one entrypoint kind, then `expected_exceptions(...)` and `sensitive_arguments(...)`: configure the kind through its own constructor",
                    );
                } else {
                    kind = Some(value);
                }
            }
            Arg::Named { key, value } => {
                if !worker.named(&mut cx, &key, &value) {
                    cx.error_spanned_by(
                        &key,
                        format!(
                            "unknown `#[entrypoint]` key `{}`: after the entrypoint kind, the keys are `expected_exceptions(...)` and `sensitive_arguments(...)`; configure the kind through its own constructor",
                            path_to_string(&key)
                        ),
                    );
                }
            }
        }
    }
    if kind.is_none() {
        cx.error_spanned_by(attr, NEEDS_KIND);
    }
    cx.into_result()?;
    match kind {
        Some(kind) => Ok(CustomArgs {
            kind,
            worker: worker.finish(),
        }),
        None => Err(syn::Error::new_spanned(attr, NEEDS_KIND)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::parse_quote;

    fn parse(attr: Attribute) -> Result<CustomArgs, Vec<String>> {
        custom_args(&attr).map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn kind_and_keys() {
        let args = parse(parse_quote!(#[entrypoint(
            nats::subject("orders").queue_group("g"),
            expected_exceptions(Invalid),
            sensitive_arguments("token")
        )]))
        .unwrap();
        assert_eq!(
            args.kind.to_token_stream().to_string(),
            "nats :: subject (\"orders\") . queue_group (\"g\")"
        );
        assert_eq!(args.worker.expected.len(), 1);
        assert_eq!(args.worker.sensitive.len(), 1);
    }

    #[test]
    fn mistakes() {
        let errors = parse(parse_quote!(#[entrypoint])).unwrap_err();
        assert!(
            errors[0].contains("needs the entrypoint kind first"),
            "{errors:?}"
        );
        let errors = parse(parse_quote!(#[entrypoint(expected_exceptions(A))])).unwrap_err();
        assert!(
            errors[0].contains("needs the entrypoint kind first"),
            "{errors:?}"
        );
        let errors = parse(parse_quote!(#[entrypoint(a(), b())])).unwrap_err();
        assert!(
            errors[0].contains("takes one entrypoint kind"),
            "{errors:?}"
        );
        let errors = parse(parse_quote!(#[entrypoint(a(), queue = "q")])).unwrap_err();
        assert!(
            errors[0].contains("unknown `#[entrypoint]` key `queue`"),
            "{errors:?}"
        );
    }
}
