//! The service model: what `#[service]` read from the impl block, with the original syn
//! nodes kept for spans.

use syn::ext::IdentExt;
use syn::{
    Attribute, FnArg, GenericArgument, ImplItem, ItemImpl, Pat, PathArguments, ReturnType,
    Signature, Type,
};

use crate::attr::{
    self, CustomArgs, EventHandlerArgs, HttpArgs, RpcArgs, ServiceArgs, TimerArgs, WorkerArgs,
};
use crate::ctxt::Ctxt;

mod client;

pub(crate) use client::{ClientMethod, ClientModel, ClientOutput, ClientSource};

/// The marker attributes `#[service]` owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Rpc,
    EventHandler,
    Http,
    Timer,
    /// `#[entrypoint(kind, ...)]`: an entrypoint kind of another crate.
    Custom,
}

impl Marker {
    /// The attribute's name, as users write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Marker::Rpc => "rpc",
            Marker::EventHandler => "event_handler",
            Marker::Http => "http",
            Marker::Timer => "timer",
            Marker::Custom => "entrypoint",
        }
    }

    /// The marker an attribute is, recognised by the last segment of its path, so
    /// `#[rpc]`, `#[nameko_core::rpc]` and `#[nameko::rpc]` are all `#[rpc]`.
    pub(crate) fn of(attr: &Attribute) -> Option<Marker> {
        let last = attr.path().segments.last()?;
        match last.ident.to_string().as_str() {
            "rpc" => Some(Marker::Rpc),
            "event_handler" => Some(Marker::EventHandler),
            "http" => Some(Marker::Http),
            "timer" => Some(Marker::Timer),
            "entrypoint" => Some(Marker::Custom),
            _ => None,
        }
    }
}

/// What kind of entrypoint a marker makes, with its parsed arguments.
#[derive(Debug)]
pub(crate) enum EntrypointKind {
    Rpc(RpcArgs),
    EventHandler(EventHandlerArgs),
    Http(HttpArgs),
    Timer(TimerArgs),
    Custom(CustomArgs),
}

impl EntrypointKind {
    pub(crate) fn marker(&self) -> Marker {
        match self {
            EntrypointKind::Rpc(_) => Marker::Rpc,
            EntrypointKind::EventHandler(_) => Marker::EventHandler,
            EntrypointKind::Http(_) => Marker::Http,
            EntrypointKind::Timer(_) => Marker::Timer,
            EntrypointKind::Custom(_) => Marker::Custom,
        }
    }

    /// Its `expected_exceptions` and `sensitive_arguments`.
    pub(crate) fn worker(&self) -> &WorkerArgs {
        match self {
            EntrypointKind::Rpc(args) => &args.worker,
            EntrypointKind::EventHandler(args) => &args.worker,
            EntrypointKind::Http(args) => &args.worker,
            EntrypointKind::Timer(args) => &args.worker,
            EntrypointKind::Custom(args) => &args.worker,
        }
    }

    fn parse(marker: Marker, attr: &Attribute) -> syn::Result<Self> {
        Ok(match marker {
            Marker::Rpc => EntrypointKind::Rpc(attr::rpc_args(attr)?),
            Marker::EventHandler => EntrypointKind::EventHandler(attr::event_handler_args(attr)?),
            Marker::Http => EntrypointKind::Http(attr::http_args(attr)?),
            Marker::Timer => EntrypointKind::Timer(attr::timer_args(attr)?),
            Marker::Custom => EntrypointKind::Custom(attr::custom_args(attr)?),
        })
    }
}

/// One marker on a method.
pub(crate) struct EntrypointAttr {
    pub(crate) kind: EntrypointKind,
    /// The attribute as written, for spans.
    pub(crate) attr: Attribute,
}

/// A parameter other than the receiver.
pub(crate) struct ParamModel {
    pub(crate) pat: Pat,
    pub(crate) ty: Type,
    /// The keyword-argument name: the identifier without `r#`; `None` for a pattern that is
    /// not a plain identifier (reported by `check`).
    pub(crate) name: Option<String>,
}

impl ParamModel {
    /// Whether this is an `#[http]` method's request parameter: a type whose last path
    /// segment is `Request` (`Request`, `nameko_web::Request`), seen through references so
    /// that `&Request` is reported once, as a borrow.
    pub(crate) fn is_request(&self) -> bool {
        fn last_is_request(ty: &Type) -> bool {
            match ty {
                Type::Path(path) if path.qself.is_none() => path
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "Request"),
                Type::Reference(r) => last_is_request(&r.elem),
                Type::Paren(paren) => last_is_request(&paren.elem),
                Type::Group(group) => last_is_request(&group.elem),
                _ => false,
            }
        }
        last_is_request(&self.ty)
    }
}

/// What a method returns, as far as the adapter cares.
pub(crate) enum OutputModel {
    /// No `->`: the method returns `()`, sent as `null`.
    Unit,
    /// Any type but a `Result`: encoded as the reply's result.
    Value(Type),
    /// A type whose last path segment is `Result`: `Ok` is the reply's result, `Err` a
    /// `RemoteError`. `ok` and `err` are its first two type arguments when written.
    Result {
        ty: Type,
        ok: Option<Box<Type>>,
        err: Option<Box<Type>>,
    },
}

/// A method with at least one marker.
pub(crate) struct MethodModel {
    /// Index of the method in the impl block's items.
    pub(crate) index: usize,
    /// The signature as written.
    pub(crate) sig: Signature,
    pub(crate) entrypoints: Vec<EntrypointAttr>,
    pub(crate) params: Vec<ParamModel>,
    pub(crate) output: OutputModel,
}

impl MethodModel {
    /// The method's name on the wire: its identifier without `r#`.
    pub(crate) fn wire_name(&self) -> String {
        self.sig.ident.unraw().to_string()
    }
}

/// The impl block `#[service]` annotates.
pub(crate) struct ServiceModel {
    /// The impl block with every marker attribute removed, ready to emit as is.
    pub(crate) item: ItemImpl,
    /// `None` when the arguments did not parse (the errors are in the `Ctxt`).
    pub(crate) args: Option<ServiceArgs>,
    /// The methods with markers, in order.
    pub(crate) methods: Vec<MethodModel>,
    /// The path of every marker attribute removed, each once, as written (`rpc`,
    /// `nameko_core::rpc`): the expansion names them again so their imports count as used.
    pub(crate) marker_paths: Vec<syn::Path>,
}

impl ServiceModel {
    /// Reads the markers of `item`, strips them, and records malformed markers in `cx`.
    pub(crate) fn from_impl(cx: &mut Ctxt, args: Option<ServiceArgs>, mut item: ItemImpl) -> Self {
        let mut methods = Vec::new();
        let mut marker_paths = Vec::new();
        for (index, impl_item) in item.items.iter_mut().enumerate() {
            match impl_item {
                ImplItem::Fn(method) => {
                    let markers = take_markers(&mut method.attrs, &mut marker_paths);
                    if markers.is_empty() {
                        continue;
                    }
                    let mut entrypoints = Vec::new();
                    for (marker, attr) in markers {
                        match EntrypointKind::parse(marker, &attr) {
                            Ok(kind) => entrypoints.push(EntrypointAttr { kind, attr }),
                            Err(error) => cx.syn_error(error),
                        }
                    }
                    methods.push(MethodModel {
                        index,
                        params: params(&method.sig),
                        output: output(&method.sig.output),
                        sig: method.sig.clone(),
                        entrypoints,
                    });
                }
                ImplItem::Const(c) => misplaced(cx, &mut c.attrs, &mut marker_paths),
                ImplItem::Type(t) => misplaced(cx, &mut t.attrs, &mut marker_paths),
                ImplItem::Macro(m) => misplaced(cx, &mut m.attrs, &mut marker_paths),
                _ => {}
            }
        }
        ServiceModel {
            item,
            args,
            methods,
            marker_paths,
        }
    }
}

/// Removes the marker attributes from `attrs` and returns them; adds their paths to
/// `paths` unless already there.
fn take_markers(
    attrs: &mut Vec<Attribute>,
    paths: &mut Vec<syn::Path>,
) -> Vec<(Marker, Attribute)> {
    let mut markers = Vec::new();
    attrs.retain(|attr| match Marker::of(attr) {
        Some(marker) => {
            if !paths.contains(attr.path()) {
                paths.push(attr.path().clone());
            }
            markers.push((marker, attr.clone()));
            false
        }
        None => true,
    });
    markers
}

/// Reports and strips markers on impl items that are not methods.
fn misplaced(cx: &mut Ctxt, attrs: &mut Vec<Attribute>, paths: &mut Vec<syn::Path>) {
    for (marker, attr) in take_markers(attrs, paths) {
        let name = marker.name();
        cx.error_spanned_by(
            &attr,
            format!("`#[{name}]` goes on a method: put it on an `async fn` of the `#[service]` impl block"),
        );
    }
}

pub(crate) fn params(sig: &Signature) -> Vec<ParamModel> {
    sig.inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(pat_type) => Some(ParamModel {
                name: match &*pat_type.pat {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        Some(pat.ident.unraw().to_string())
                    }
                    _ => None,
                },
                pat: (*pat_type.pat).clone(),
                ty: (*pat_type.ty).clone(),
            }),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

pub(crate) fn output(output: &ReturnType) -> OutputModel {
    let ReturnType::Type(_, ty) = output else {
        return OutputModel::Unit;
    };
    let ty = (**ty).clone();
    let Some(last) = result_segment(&ty) else {
        return OutputModel::Value(ty);
    };
    let mut types = match &last.arguments {
        PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(Box::new(ty.clone())),
                _ => None,
            })
            .collect::<Vec<_>>()
            .into_iter(),
        _ => Vec::new().into_iter(),
    };
    let ok = types.next();
    let err = types.next();
    OutputModel::Result { ty, ok, err }
}

/// The last segment of `ty` when it is named `Result` (`Result`, `io::Result`,
/// `anyhow::Result`, ...).
fn result_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .filter(|last| last.ident == "Result"),
        Type::Paren(paren) => result_segment(&paren.elem),
        Type::Group(group) => result_segment(&group.elem),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
