//! The typed client model: the client type and one method per remote method, read from a
//! `#[service]` impl block's `#[rpc]` methods or from an `#[rpc_client]` trait.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::{ToTokens, format_ident};
use syn::ext::IdentExt;
use syn::{Attribute, ImplItem, ItemTrait, LitStr, Pat, TraitItem, Type, Visibility, parse_quote};

use super::{EntrypointKind, OutputModel, ServiceModel, output, params};
use crate::attr::{ClientName, ServiceArgs};

/// Where a client's declarations come from, which decides how its types are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientSource {
    /// A Rust service's `#[rpc]` methods: their types need only `Deserialize` (parameters)
    /// and `Serialize` (results), so the client's `Serialize` and `DeserializeOwned` bounds
    /// are checked where a method is called.
    Service,
    /// An `#[rpc_client]` trait, written for the client: its types are checked where it
    /// is declared.
    Trait,
}

/// A client parameter: a name and the type the caller passes.
pub(crate) struct ClientParam {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
}

/// What a client method's reply decodes into.
pub(crate) enum ClientOutput {
    /// No `->`, `()`, or `Result<(), E>`: `()`.
    Unit,
    /// A `Result` whose `Ok` type is not written (`fmt::Result`, an alias): the JSON
    /// `Value`.
    Unknown,
    /// The method's result, or its `Ok` type.
    Type(Box<Type>),
}

/// One remote method of the client.
pub(crate) struct ClientMethod {
    /// The method's name, as declared (`r#type` stays raw).
    pub(crate) ident: Ident,
    /// The name on the wire: the identifier without `r#`.
    pub(crate) wire_name: String,
    pub(crate) params: Vec<ClientParam>,
    pub(crate) output: ClientOutput,
    /// `#[doc]` and `#[cfg]` attributes of the declaration, carried over.
    pub(crate) attrs: Vec<Attribute>,
}

impl ClientMethod {
    /// The name of the method's `call_async` form, `<name>_async`, spanned at the method.
    pub(crate) fn async_ident(&self) -> Ident {
        format_ident!("{}_async", self.ident.unraw(), span = self.ident.span())
    }
}

/// A typed client to generate.
pub(crate) struct ClientModel {
    /// The client type's name (`ServiceYClient`).
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    /// The service's name on the wire (`"service_y"`).
    pub(crate) service_name: LitStr,
    /// What the client is for, as its docs name it: `` `ServiceY` ``.
    pub(crate) declared_by: String,
    pub(crate) source: ClientSource,
    /// The trait's `#[doc]` attributes, for an `#[rpc_client]` trait.
    pub(crate) docs: Vec<Attribute>,
    pub(crate) methods: Vec<ClientMethod>,
}

impl ClientModel {
    /// The client of a `#[service]` impl block: its `#[rpc]` methods. `None` when
    /// `client = false`, when the service has no `#[rpc]` method, or when the client has
    /// no name (a self type without a name, and no `client = "..."`).
    pub(crate) fn from_service(model: &ServiceModel, args: &ServiceArgs) -> Option<ClientModel> {
        let self_ty = &*model.item.self_ty;
        let type_name = last_ident(self_ty);
        let ident = match &args.client {
            ClientName::Disabled => return None,
            ClientName::Named(ident) => ident.clone(),
            ClientName::Default => format_ident!("{}Client", type_name.as_ref()?),
        };
        let methods: Vec<ClientMethod> = model
            .methods
            .iter()
            .filter(|method| {
                method
                    .entrypoints
                    .iter()
                    .any(|e| matches!(e.kind, EntrypointKind::Rpc(_)))
            })
            .map(|method| {
                let attrs = match model.item.items.get(method.index) {
                    Some(ImplItem::Fn(f)) => carried_attrs(&f.attrs),
                    _ => Vec::new(),
                };
                let params = method
                    .params
                    .iter()
                    .filter_map(|param| {
                        Some(ClientParam {
                            ident: pat_ident(&param.pat)?,
                            ty: replace_self(&param.ty, self_ty),
                        })
                    })
                    .collect();
                ClientMethod {
                    ident: method.sig.ident.clone(),
                    wire_name: method.wire_name(),
                    params,
                    output: client_output(&method.output, Some(self_ty)),
                    attrs,
                }
            })
            .collect();
        if methods.is_empty() {
            return None;
        }
        let declared_by = match &type_name {
            Some(name) => format!("`{name}`"),
            None => format!("`{}`", crate::text::code(self_ty)),
        };
        Some(ClientModel {
            ident,
            vis: parse_quote!(pub),
            service_name: args.name.clone(),
            declared_by,
            source: ClientSource::Service,
            docs: Vec::new(),
            methods,
        })
    }

    /// The client an `#[rpc_client]` trait declares: one method per `fn` item (`check`
    /// reports every other item, and what is wrong with a method).
    pub(crate) fn from_trait(
        item: &ItemTrait,
        service_name: LitStr,
        client: &ClientName,
    ) -> ClientModel {
        let ident = match client {
            ClientName::Named(ident) => ident.clone(),
            ClientName::Default | ClientName::Disabled => {
                format_ident!("{}Client", item.ident.unraw(), span = item.ident.span())
            }
        };
        let methods = item
            .items
            .iter()
            .filter_map(|item| match item {
                TraitItem::Fn(f) => Some(f),
                _ => None,
            })
            .map(|f| ClientMethod {
                ident: f.sig.ident.clone(),
                wire_name: f.sig.ident.unraw().to_string(),
                params: params(&f.sig)
                    .into_iter()
                    .filter_map(|param| {
                        Some(ClientParam {
                            ident: pat_ident(&param.pat)?,
                            ty: param.ty,
                        })
                    })
                    .collect(),
                output: client_output(&output(&f.sig.output), None),
                attrs: carried_attrs(&f.attrs),
            })
            .collect();
        ClientModel {
            ident,
            vis: item.vis.clone(),
            service_name,
            declared_by: format!("`{}`", item.ident.unraw()),
            source: ClientSource::Trait,
            docs: item
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("doc"))
                .cloned()
                .collect(),
            methods,
        }
    }
}

/// The attributes a client method keeps from its declaration: its docs, and the `cfg`s
/// that decide whether it exists.
fn carried_attrs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc") || attr.path().is_ident("cfg"))
        .cloned()
        .collect()
}

/// The name a parameter binds, without `mut`; `None` for a pattern (`check` reports it).
fn pat_ident(pat: &Pat) -> Option<Ident> {
    match pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => Some(pat.ident.clone()),
        _ => None,
    }
}

/// The client's result for a method's output; `Self` in it means the service's type.
fn client_output(output: &OutputModel, self_ty: Option<&Type>) -> ClientOutput {
    let ty = match output {
        OutputModel::Unit => return ClientOutput::Unit,
        OutputModel::Value(ty) => ty,
        OutputModel::Result { ok: Some(ok), .. } => &**ok,
        OutputModel::Result { ok: None, .. } => return ClientOutput::Unknown,
    };
    if is_unit(ty) {
        return ClientOutput::Unit;
    }
    ClientOutput::Type(Box::new(match self_ty {
        Some(self_ty) => owned(&replace_self(ty, self_ty)),
        None => ty.clone(),
    }))
}

/// The owned form of a Rust service's result type, which its client decodes into: `&str`
/// is `String`, `&[T]` is `Vec<T>`, `&T` is `T`, inside other types too
/// (`Option<&'static str>` is `Option<String>`).
fn owned(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
                parse_quote!(::std::string::String)
            }
            Type::Slice(slice) => {
                let elem = owned(&slice.elem);
                parse_quote!(::std::vec::Vec<#elem>)
            }
            other => owned(other),
        },
        Type::Path(path) => {
            let mut path = path.clone();
            for segment in &mut path.path.segments {
                if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        if let syn::GenericArgument::Type(ty) = arg {
                            *ty = owned(ty);
                        }
                    }
                }
            }
            Type::Path(path)
        }
        Type::Tuple(tuple) => {
            let mut tuple = tuple.clone();
            for elem in &mut tuple.elems {
                *elem = owned(elem);
            }
            Type::Tuple(tuple)
        }
        Type::Array(array) => {
            let mut array = array.clone();
            *array.elem = owned(&array.elem);
            Type::Array(array)
        }
        Type::Paren(paren) => owned(&paren.elem),
        Type::Group(group) => owned(&group.elem),
        other => other.clone(),
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// The last identifier of a type's path: `ServiceY` of `crate::ServiceY`.
fn last_ident(ty: &Type) -> Option<Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|last| last.ident.unraw())
        }
        Type::Paren(paren) => last_ident(&paren.elem),
        Type::Group(group) => last_ident(&group.elem),
        _ => None,
    }
}

/// `ty` with every `Self` replaced by `self_ty`: in the service's methods `Self` is the
/// service, which the client is not.
fn replace_self(ty: &Type, self_ty: &Type) -> Type {
    fn replace(tokens: TokenStream, self_ty: &Type) -> TokenStream {
        tokens
            .into_iter()
            .flat_map(|token| -> Vec<TokenTree> {
                match token {
                    TokenTree::Ident(ident) if ident == "Self" => {
                        let mut group =
                            Group::new(proc_macro2::Delimiter::None, self_ty.to_token_stream());
                        group.set_span(ident.span());
                        vec![TokenTree::Group(group)]
                    }
                    TokenTree::Group(group) => {
                        let mut new =
                            Group::new(group.delimiter(), replace(group.stream(), self_ty));
                        new.set_span(group.span());
                        vec![TokenTree::Group(new)]
                    }
                    other => vec![other],
                }
            })
            .collect()
    }
    let tokens = ty.to_token_stream();
    let has_self = tokens.to_string().split_whitespace().any(|t| t == "Self");
    if !has_self {
        return ty.clone();
    }
    syn::parse2(replace(tokens, self_ty)).unwrap_or_else(|_| ty.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
