//! `#[rpc]`, `#[rpc(expected_exceptions(NotFound), sensitive_arguments("password"))]`.

use syn::{Attribute, Expr};

use super::{Arg, WorkerArgs, WorkerKeys, path_to_string, python_args};
use crate::ctxt::Ctxt;

const MARKER: &str = "rpc";

/// The keys `#[rpc(...)]` accepts, as error messages list them.
const KEYS: &str = "`expected_exceptions(...)` and `sensitive_arguments(...)`";

/// Arguments of `#[rpc(...)]`, Python's `@rpc(expected_exceptions=(), sensitive_arguments=())`.
#[derive(Debug, Default)]
pub(crate) struct RpcArgs {
    pub(crate) worker: WorkerArgs,
}

/// Parses the arguments of an `#[rpc]` attribute; every mistake is reported.
pub(crate) fn rpc_args(attr: &Attribute) -> syn::Result<RpcArgs> {
    let mut cx = Ctxt::new();
    let args = python_args(&mut cx, attr, MARKER)?;
    let mut worker = WorkerKeys::new(MARKER, true);
    for arg in args {
        match arg {
            Arg::Positional(value) => {
                if worker.bare(&mut cx, &value) {
                    continue;
                }
                match key_like(&value) {
                    // `#[rpc(timeout)]`, `#[rpc(timeout(5))]`: a key, just not one of ours.
                    Some(key) => cx.error_spanned_by(key, unknown_key(&path_to_string(key))),
                    None => cx.error_spanned_by(
                        &value,
                        format!(
                            "`#[rpc]` takes no positional arguments: write `#[rpc]`, or give its keys, {KEYS}"
                        ),
                    ),
                }
            }
            Arg::Named { key, value } => {
                if !worker.named(&mut cx, &key, &value) {
                    cx.error_spanned_by(&key, unknown_key(&path_to_string(&key)));
                }
            }
        }
    }
    cx.into_result()?;
    Ok(RpcArgs {
        worker: worker.finish(),
    })
}

/// The name of a value that looks like a key: `name` or `name(...)`.
fn key_like(value: &Expr) -> Option<&syn::Path> {
    let path = match value {
        Expr::Path(path) => path,
        Expr::Call(call) => match &*call.func {
            Expr::Path(path) => path,
            _ => return None,
        },
        _ => return None,
    };
    (path.qself.is_none() && path.path.get_ident().is_some()).then_some(&path.path)
}

fn unknown_key(key: &str) -> String {
    format!("unknown `#[rpc]` key `{key}`: valid keys are {KEYS}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
