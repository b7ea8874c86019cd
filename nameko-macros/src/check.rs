//! Rules across the model: what an entrypoint method must look like, unique names, and
//! what `#[service]` may annotate.

mod client;
mod http;
mod sensitive;

pub(crate) use client::{clashes as client_clashes, not_a_trait, rpc_client_trait};

use std::collections::HashSet;

use quote::{ToTokens, quote};
use syn::{
    FnArg, GenericArgument, Item, ItemImpl, PathArguments, ReturnType, Signature, Type,
    TypeParamBound,
};

use crate::ctxt::Ctxt;
use crate::model::{EntrypointKind, Marker, MethodModel, ServiceModel};

/// Reports what `#[service]` annotates when it is not an impl block.
pub(crate) fn not_an_impl(cx: &mut Ctxt, item: &Item) {
    let (tokens, what): (&dyn ToTokens, &str) = match item {
        Item::Struct(s) => (&s.ident, "the struct"),
        Item::Enum(e) => (&e.ident, "the enum"),
        Item::Trait(t) => (&t.ident, "a trait"),
        Item::Fn(f) => (&f.sig.ident, "a function"),
        Item::Mod(m) => (&m.ident, "a module"),
        other => (other, "this item"),
    };
    cx.error_spanned_by(
        tokens,
        format!(
            "`#[service]` goes on the `impl` block of the service's methods, not on {what}: write `#[service(name = \"...\")]` above `impl ServiceX {{ ... }}`"
        ),
    );
}

/// Checks the impl block and every entrypoint method. Returns the indices (in the impl
/// block's items) of methods that repeat an earlier entrypoint's name: the caller leaves
/// them out of the emitted impl block, so the compiler does not report them a second time.
pub(crate) fn service(cx: &mut Ctxt, model: &ServiceModel) -> Vec<usize> {
    impl_block(cx, &model.item);
    if model.item.trait_.is_some() {
        // The methods follow the trait, not the rules of entrypoints: the one error is
        // that the block is a trait impl.
        return Vec::new();
    }
    for method in &model.methods {
        entrypoint_method(cx, method);
    }
    duplicate_names(cx, &model.methods)
}

fn impl_block(cx: &mut Ctxt, item: &ItemImpl) {
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "`#[service]` goes on an inherent impl block (`impl ServiceX { ... }`), not on a trait impl: move the entrypoint methods into `impl ServiceX`",
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "`#[service]` impl blocks cannot be generic: implement the service for one concrete type, e.g. `impl ServiceX { ... }`",
        );
    } else if let Some(where_clause) = &item.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            "`#[service]` impl blocks cannot have a `where` clause: implement the service for one concrete type",
        );
    }
}

fn entrypoint_method(cx: &mut Ctxt, method: &MethodModel) {
    let Some(first) = method.entrypoints.first() else {
        // Every marker was malformed; those errors are already reported.
        return;
    };
    let m = first.kind.marker().name();
    let sig = &method.sig;

    let mut seen: Vec<Marker> = Vec::new();
    for entrypoint in &method.entrypoints {
        let marker = entrypoint.kind.marker();
        if seen.contains(&marker) {
            cx.error_spanned_by(
                &entrypoint.attr,
                format!(
                    "`#[{}]` set multiple times on `{}`: remove the extra one",
                    marker.name(),
                    sig.ident
                ),
            );
            continue;
        }
        seen.push(marker);
        if let EntrypointKind::Http(args) = &entrypoint.kind {
            http::params(cx, method, args);
        }
        sensitive::arguments(cx, method, &entrypoint.kind);
    }

    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            format!("`#[{m}]` methods cannot be `unsafe`: remove `unsafe`"),
        );
    }
    if sig.asyncness.is_none() {
        cx.error_spanned_by(
            sig.fn_token,
            format!("`#[{m}]` methods must be `async fn`: add `async` before `fn`"),
        );
    }
    receiver(cx, m, sig);
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!(
                "`#[{m}]` methods cannot have generic or lifetime parameters: every parameter is decoded from JSON, so give each one a concrete, owned type"
            ),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            format!(
                "`#[{m}]` methods cannot have a `where` clause: give each parameter a concrete type"
            ),
        );
    }
    if seen.contains(&Marker::EventHandler) {
        one_payload(cx, method);
    }
    if seen.contains(&Marker::Timer) {
        no_params(cx, method);
    }
    // RPC parameters bind to keyword arguments by name; an event handler's one parameter
    // takes the whole payload, so a pattern is fine there. (`#[http]` parameters are
    // checked against the rule above.)
    let by_name = seen.contains(&Marker::Rpc) || seen.contains(&Marker::Custom);
    for param in &method.params {
        if by_name && param.name.is_none() {
            cx.error_spanned_by(
                &param.pat,
                format!(
                    "use a plain name for `#[{m}]` parameters, e.g. `point: (i32, i32)`; they bind to keyword arguments by name, so destructure inside the method"
                ),
            );
        }
        param_type(cx, m, &param.ty);
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if let Some(impl_trait) = find_impl_trait(ty) {
            let bound = if m == "http" {
                "`nameko_web::IntoHttpResponse`"
            } else {
                "`Serialize`"
            };
            cx.error_spanned_by(
                impl_trait,
                format!("`#[{m}]` methods cannot return `impl Trait`: name the return type, which must implement {bound}"),
            );
        }
    }
}

/// An event handler takes the event's payload, and nothing else.
fn one_payload(cx: &mut Ctxt, method: &MethodModel) {
    let sig = &method.sig;
    let typed: Vec<&FnArg> = sig
        .inputs
        .iter()
        .filter(|arg| matches!(arg, FnArg::Typed(_)))
        .collect();
    match typed.as_slice() {
        [] => cx.error_at(
            sig.paren_token.span.join(),
            format!(
                "`#[event_handler]` methods take exactly one parameter after `&self`, the event payload: add one, e.g. `async fn {}(&self, payload: serde_json::Value)` or a type that implements `Deserialize`",
                sig.ident
            ),
        ),
        [_] => {}
        [_, extra @ ..] => {
            let extra = quote!(#(#extra),*);
            cx.error_spanned_by(
                extra,
                "`#[event_handler]` methods take exactly one parameter after `&self`, the event payload: remove the others, or take the payload as one struct that implements `Deserialize`",
            );
        }
    }
}

/// A timer calls its method with nothing to pass.
fn no_params(cx: &mut Ctxt, method: &MethodModel) {
    let typed: Vec<&FnArg> = method
        .sig
        .inputs
        .iter()
        .filter(|arg| matches!(arg, FnArg::Typed(_)))
        .collect();
    if !typed.is_empty() {
        cx.error_spanned_by(
            quote!(#(#typed),*),
            "`#[timer]` methods take no parameters besides `&self`: the timer has nothing to pass; remove them, and read what the method needs from fields of the service struct",
        );
    }
}

fn receiver(cx: &mut Ctxt, m: &str, sig: &Signature) {
    let Some(receiver) = sig.receiver() else {
        let message = format!(
            "`#[{m}]` methods must take `&self`: add `&self` as the first parameter; share state through fields of the service struct"
        );
        match sig.inputs.first() {
            Some(first) => cx.error_spanned_by(first, message),
            None => cx.error_at(sig.paren_token.span.join(), message),
        }
        return;
    };
    let shared_ref = match &*receiver.ty {
        Type::Reference(r) => r.mutability.is_none() && is_self(&r.elem),
        _ => false,
    };
    if shared_ref {
        return;
    }
    let message = if receiver.reference.is_some() && receiver.mutability.is_some() {
        format!(
            "`#[{m}]` methods must take `&self`, not `&mut self`: workers run concurrently on one shared service; share state through fields, e.g. a `Mutex` or an atomic"
        )
    } else if receiver.reference.is_none() && receiver.colon_token.is_none() {
        format!(
            "`#[{m}]` methods must take `&self`, not `self`: every call runs on the one shared service, which a method cannot consume; share state through fields"
        )
    } else {
        format!(
            "`#[{m}]` methods must take `&self`; share state through fields of the service struct"
        )
    };
    cx.error_spanned_by(receiver, message);
}

fn is_self(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self"))
}

/// Rejects parameter types the adapter cannot decode into: borrows, non-`'static`
/// lifetimes and `impl Trait`.
fn param_type(cx: &mut Ctxt, m: &str, ty: &Type) {
    match ty {
        Type::Reference(r) => {
            let owned = match &*r.elem {
                Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => "`String` instead of `&str`".to_owned(),
                Type::Slice(s) => format!("`Vec<{}>` instead of a slice", s.elem.to_token_stream()),
                Type::Path(p) if p.qself.is_none() && p.path.is_ident("Path") => "`PathBuf` instead of `&Path`".to_owned(),
                other => format!("`{}`", other.to_token_stream()),
            };
            cx.error_spanned_by(
                r,
                format!(
                    "`#[{m}]` parameters cannot borrow: arguments are decoded from the message into owned values; use an owned type such as {owned}"
                ),
            );
        }
        Type::ImplTrait(impl_trait) => cx.error_spanned_by(
            impl_trait,
            format!("`#[{m}]` parameters cannot be `impl Trait`: use a concrete type that implements `Deserialize`"),
        ),
        Type::Path(p) => {
            if let Some(qself) = &p.qself {
                param_type(cx, m, &qself.ty);
            }
            for segment in &p.path.segments {
                match &segment.arguments {
                    PathArguments::AngleBracketed(args) => {
                        for arg in &args.args {
                            match arg {
                                GenericArgument::Type(ty) => param_type(cx, m, ty),
                                GenericArgument::Lifetime(lt) if lt.ident != "static" => {
                                    cx.error_spanned_by(
                                        lt,
                                        format!(
                                            "`#[{m}]` parameters cannot have lifetimes: arguments are decoded into owned values; use an owned type or `'static`"
                                        ),
                                    );
                                }
                                _ => {}
                            }
                        }
                    }
                    PathArguments::Parenthesized(args) => {
                        for input in &args.inputs {
                            param_type(cx, m, input);
                        }
                    }
                    PathArguments::None => {}
                }
            }
        }
        Type::Tuple(t) => t.elems.iter().for_each(|ty| param_type(cx, m, ty)),
        Type::Array(a) => param_type(cx, m, &a.elem),
        Type::Slice(s) => param_type(cx, m, &s.elem),
        Type::Paren(p) => param_type(cx, m, &p.elem),
        Type::Group(g) => param_type(cx, m, &g.elem),
        Type::TraitObject(t) => {
            for bound in &t.bounds {
                if let TypeParamBound::Lifetime(lt) = bound {
                    if lt.ident != "static" {
                        cx.error_spanned_by(
                            lt,
                            format!("`#[{m}]` parameters cannot have lifetimes: use an owned type"),
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

/// The first `impl Trait` inside `ty`, if any.
pub(crate) fn find_impl_trait(ty: &Type) -> Option<&Type> {
    find_in_type(ty, &|ty| matches!(ty, Type::ImplTrait(_)).then_some(ty))
}

/// The first type inside `ty` (`ty` itself first, then its generic arguments, elements
/// and referents, depth first) that `pick` picks.
pub(crate) fn find_in_type<'a, T>(
    ty: &'a Type,
    pick: &impl Fn(&'a Type) -> Option<T>,
) -> Option<T> {
    if let Some(found) = pick(ty) {
        return Some(found);
    }
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .iter()
            .find_map(|segment| match &segment.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(ty) => find_in_type(ty, pick),
                    _ => None,
                }),
                _ => None,
            }),
        Type::Tuple(t) => t.elems.iter().find_map(|ty| find_in_type(ty, pick)),
        Type::Array(a) => find_in_type(&a.elem, pick),
        Type::Slice(s) => find_in_type(&s.elem, pick),
        Type::Paren(p) => find_in_type(&p.elem, pick),
        Type::Group(g) => find_in_type(&g.elem, pick),
        Type::Reference(r) => find_in_type(&r.elem, pick),
        _ => None,
    }
}

/// Two entrypoint methods with one name would be one RPC method on the wire.
fn duplicate_names(cx: &mut Ctxt, methods: &[MethodModel]) -> Vec<usize> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut duplicates = Vec::new();
    for method in methods {
        let name = method.wire_name();
        if seen.contains(&name) {
            cx.error_spanned_by(
                &method.sig.ident,
                format!(
                    "duplicate entrypoint method `{name}`: a service's method names are the names callers use, so each must be unique; rename or remove one of them"
                ),
            );
            duplicates.push(method.index);
        } else {
            seen.insert(name);
        }
    }
    duplicates
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn check(item: ItemImpl) -> (Vec<String>, Vec<usize>) {
        let mut cx = Ctxt::new();
        let model = ServiceModel::from_impl(&mut cx, None, item);
        let duplicates = service(&mut cx, &model);
        let messages = match cx.into_result() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (messages, duplicates)
    }

    fn one_error(item: ItemImpl) -> String {
        let (messages, _) = check(item);
        assert_eq!(messages.len(), 1, "{messages:?}");
        messages.into_iter().next().unwrap()
    }

    #[test]
    fn valid_service_passes() {
        let (messages, duplicates) = check(parse_quote! {
            impl ServiceX {
                #[rpc]
                async fn a(&self, value: String, n: Option<u32>, v: Vec<Cow<'static, str>>, mut m: HashMap<String, (u8, [u8; 4])>) -> Result<String, E> {}
                #[rpc]
                async fn b(&self) {}
                fn helper(&mut self, x: &str) {}
                fn helper2(self) {}
            }
        });
        assert!(messages.is_empty(), "{messages:?}");
        assert!(duplicates.is_empty());
    }

    #[test]
    fn must_be_async() {
        let message = one_error(parse_quote!(impl S { #[rpc] fn a(&self) {} }));
        assert_eq!(
            message,
            "`#[rpc]` methods must be `async fn`: add `async` before `fn`"
        );
    }

    #[test]
    fn receivers() {
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a() {} }))
                .starts_with("`#[rpc]` methods must take `&self`: add `&self`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(x: u8) {} }))
                .starts_with("`#[rpc]` methods must take `&self`: add `&self`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(self) {} }))
                .starts_with("`#[rpc]` methods must take `&self`, not `self`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&mut self) {} }))
                .starts_with("`#[rpc]` methods must take `&self`, not `&mut self`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(self: Arc<Self>) {} }))
                .starts_with("`#[rpc]` methods must take `&self`;")
        );
        assert!(
            check(parse_quote!(impl S { #[rpc] async fn a(self: &Self) {} }))
                .0
                .is_empty()
        );
    }

    #[test]
    fn no_generics() {
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a<T>(&self, t: T) {} }))
                .contains("cannot have generic or lifetime parameters")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self) where Self: Sized {} }))
                .contains("`where` clause")
        );
        assert!(
            one_error(parse_quote!(
                impl<T> S<T> {
                    #[rpc]
                    async fn a(&self) {}
                }
            ))
            .starts_with("`#[service]` impl blocks cannot be generic")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self, t: impl Deserialize) {} }))
                .contains("cannot be `impl Trait`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self) -> impl Serialize {} }))
                .contains("cannot return `impl Trait`")
        );
    }

    #[test]
    fn borrowed_params() {
        assert_eq!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self, s: &str) {} })),
            "`#[rpc]` parameters cannot borrow: arguments are decoded from the message into owned values; use an owned type such as `String` instead of `&str`"
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self, s: &[u8]) {} }))
                .ends_with("`Vec<u8>` instead of a slice")
        );
        assert!(
            one_error(
                parse_quote!(impl S { #[rpc] async fn a(&self, s: Option<&'static Foo>) {} })
            )
            .ends_with("`Foo`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self, s: Cow<'a, str>) {} }))
                .contains("cannot have lifetimes")
        );
    }

    #[test]
    fn plain_param_names() {
        assert!(
            one_error(parse_quote!(impl S { #[rpc] async fn a(&self, (x, y): (u8, u8)) {} }))
                .starts_with("use a plain name for `#[rpc]` parameters")
        );
    }

    #[test]
    fn markers() {
        assert_eq!(
            one_error(parse_quote!(impl S { #[rpc] #[rpc] async fn a(&self) {} })),
            "`#[rpc]` set multiple times on `a`: remove the extra one"
        );
        // Checks name the method's first marker.
        assert!(
            one_error(parse_quote!(impl S { #[timer(interval = 1)] fn a(&self) {} }))
                .starts_with("`#[timer]` methods must be `async fn`")
        );
    }

    #[test]
    fn event_handler_shapes() {
        assert!(
            check(parse_quote! {
                impl S {
                    #[event_handler("a", "b")]
                    async fn a(&self, payload: Order) -> Result<(), E> {}
                    #[event_handler("a", "b")]
                    async fn b(&self, Order { id }: Order) {}
                    #[event_handler("a", "b")]
                    async fn c(&self, _: serde_json::Value) {}
                }
            })
            .0
            .is_empty()
        );
        assert!(
            one_error(parse_quote!(impl S { #[event_handler("a", "b")] async fn a(&self) {} }))
                .starts_with("`#[event_handler]` methods take exactly one parameter after `&self`, the event payload: add one, e.g. `async fn a(&self, payload: serde_json::Value)`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[event_handler("a", "b")] async fn a(&self, x: u8, y: u8, z: u8) {} }))
                .starts_with("`#[event_handler]` methods take exactly one parameter after `&self`, the event payload: remove the others")
        );
        assert!(
            one_error(
                parse_quote!(impl S { #[event_handler("a", "b")] async fn a(&self, x: &str) {} })
            )
            .starts_with("`#[event_handler]` parameters cannot borrow")
        );
        // As an RPC method too, the parameter binds by name.
        assert!(
            one_error(parse_quote!(impl S { #[rpc] #[event_handler("a", "b")] async fn a(&self, (x, y): (u8, u8)) {} }))
                .starts_with("use a plain name for `#[rpc]` parameters")
        );
    }

    #[test]
    fn timer_shapes() {
        assert!(
            check(parse_quote!(impl S { #[timer(interval = 1)] async fn a(&self) -> Result<u8, E> {} }))
                .0
                .is_empty()
        );
        assert!(
            one_error(parse_quote!(impl S { #[timer(interval = 1)] async fn a(&self, n: u8) {} }))
                .starts_with("`#[timer]` methods take no parameters besides `&self`")
        );
        assert!(
            one_error(parse_quote!(impl S { #[timer(interval = 1)] async fn a(&mut self) {} }))
                .starts_with("`#[timer]` methods must take `&self`, not `&mut self`")
        );
    }

    #[test]
    fn http_shapes() {
        let (messages, _) = check(parse_quote! {
            impl S {
                #[http("GET", "/get/<int:value>")]
                async fn a(&self, request: nameko_web::Request, value: i64) -> String {}
                #[http("GET", "/b/<name>/<float:x>/<uuid:id>/<path:rest>/<any(a, b):k>")]
                async fn b(&self, x: f32, k: String, rest: std::string::String, id: uuid::Uuid, name: String) {}
                #[http("GET,POST", "/c/<uuid:id>/<int(signed=True):n>")]
                async fn c(&self, id: String, n: i8, _: Request) -> Result<(u16, &'static str), E> {}
                #[http("GET", "/d/<type>")]
                async fn d(&self, r#type: String) {}
            }
        });
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/get/<int:value>")] async fn a(&self, request: Request) {} })
            ),
            "rule variable `value` of `/get/<int:value>` has no parameter: add `value: i64` to the method"
        );
        assert_eq!(
            one_error(parse_quote!(impl S { #[http("GET", "/d/<type>")] async fn a(&self) {} })),
            "rule variable `type` of `/d/<type>` has no parameter: add `r#type: String` to the method"
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/get/<int:value>")] async fn a(&self, value: String) {} })
            ),
            "`<int:value>` needs an integer type such as `i64` or `u32`, not `String`"
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/n/<int(signed=True):n>")] async fn a(&self, n: u64) {} })
            ),
            "`<int(signed=True):n>` needs a signed integer type such as `i64`, since it matches negative numbers, not `u64`"
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/f/<float:x>")] async fn a(&self, x: Option<f64>) {} })
            ),
            "`<float:x>` needs a float type, `f64` or `f32`, not `Option<f64>`"
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/u/<uuid:id>")] async fn a(&self, id: u128) {} })
            ),
            "`<uuid:id>` needs `uuid::Uuid` or `String`, not `u128`"
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/s/<name>")] async fn a(&self, name: (u8, u8)) {} })
            ),
            "`<name>` needs `String`, not `(u8, u8)`"
        );
        // A borrow is reported once, as a borrow.
        assert!(
            one_error(parse_quote!(impl S { #[http("GET", "/s/<name>")] async fn a(&self, name: &str) {} }))
                .starts_with("`#[http]` parameters cannot borrow")
        );
        assert!(
            one_error(parse_quote!(impl S { #[http("GET", "/s")] async fn a(&self, request: &Request) {} }))
                .starts_with("`#[http]` parameters cannot borrow")
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("POST", "/post")] async fn a(&self, body: String) {} })
            ),
            "parameter `body` is not a variable of the rule `/post`, which has none: `#[http]` methods take the rule's variables, by name, and the request (`request: nameko_web::Request`, for the body, query and headers); add `<body>` to the rule, or remove the parameter"
        );
        assert_eq!(
            one_error(
                parse_quote!(impl S { #[http("GET", "/<a>/<b>")] async fn a(&self, a: String, b: String, c: String) {} })
            ),
            "parameter `c` is not a variable of the rule `/<a>/<b>`, whose variables are `a`, `b`: `#[http]` methods take the rule's variables, by name, and the request (`request: nameko_web::Request`, for the body, query and headers); rename or remove the parameter"
        );
        let (messages, _) = check(parse_quote! {
            impl S { #[http("GET", "/get/<int:value>")] async fn a(&self, _value: i64) {} }
        });
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(
            messages[0],
            "parameter `_value` binds to a rule variable by name: call it `value`, as the rule `/get/<int:value>` does"
        );
        assert!(
            one_error(parse_quote!(impl S { #[http("GET", "/")] async fn a(&self, a: Request, b: Request) {} }))
                .starts_with("`#[http]` methods take the request once")
        );
        assert!(
            one_error(parse_quote!(impl S { #[http("GET", "/<a>")] async fn a(&self, (a, b): (String, String)) {} }))
                .starts_with("use a plain name for `#[http]` parameters")
        );
        assert!(
            one_error(parse_quote!(impl S { #[http("GET", "/")] async fn a(&self) -> impl IntoHttpResponse {} }))
                .ends_with("must implement `nameko_web::IntoHttpResponse`")
        );
    }

    #[test]
    fn sensitive_arguments() {
        let (messages, _) = check(parse_quote! {
            impl S {
                #[rpc(sensitive_arguments("password", "card.number", "items[0]", "r#type"))]
                async fn a(&self, password: String, card: Card, items: Vec<u8>, r#type: u8) {}
                #[event_handler("a", "b", sensitive_arguments("order.card", "order"))]
                async fn b(&self, order: Order) {}
                #[http("GET", "/u/<int:id>", sensitive_arguments("id"))]
                async fn c(&self, request: Request, id: u64) {}
            }
        });
        // `r#type` is not a name Nameko's paths can hold: it is reported at parse time.
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0]
                .starts_with("`sensitive_arguments` entry \"r#type\" is not a parameter name")
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[rpc(sensitive_arguments("pasword"))]
                async fn login(&self, username: String, password: String) {}
            })),
            "`sensitive_arguments` names \"pasword\", which is not a parameter of `login`: its parameters are `username`, `password`; did you mean `password`?"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[rpc(sensitive_arguments("token.value"))]
                async fn login(&self, username: String) {}
            })),
            "`sensitive_arguments` entry \"token.value\" starts with `token`, which is not a parameter of `login`: its parameters are `username`"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[rpc(sensitive_arguments("token"))]
                async fn ping(&self) {}
            })),
            "`sensitive_arguments` names \"token\", which is not a parameter of `ping`: it takes none; remove the entry"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[event_handler("a", "b", sensitive_arguments("card.number"))]
                async fn bill(&self, order: Order) {}
            })),
            "`sensitive_arguments` entry \"card.number\" starts with `card`, which is not a parameter of `bill`: its parameter is the event payload, `order`; write `\"order.card.number\"` for a part of it"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[event_handler("a", "b", sensitive_arguments("ordr"))]
                async fn bill(&self, order: Order) {}
            })),
            "`sensitive_arguments` names \"ordr\", which is not a parameter of `bill`: its parameter is the event payload, `order`; did you mean `order`?"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[event_handler("a", "b", sensitive_arguments("card"))]
                async fn bill(&self, Order { card }: Order) {}
            })),
            "`sensitive_arguments` names \"card\", which is not a parameter of `bill`: its payload parameter is a pattern: give it a name, e.g. `payload: Order`, and write `\"payload\"` or `\"payload.card\"`"
        );
        // Without exactly one payload parameter, only that is reported.
        assert!(
            one_error(parse_quote!(impl S {
                #[event_handler("a", "b", sensitive_arguments("card"))]
                async fn bill(&self) {}
            }))
            .starts_with("`#[event_handler]` methods take exactly one parameter")
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[http("GET", "/u/<int:id>", sensitive_arguments("request"))]
                async fn user(&self, request: Request, id: u64) {}
            })),
            "`sensitive_arguments` names \"request\", which is not a rule variable of `user`: `request` is the request, which is not redacted; the rule `/u/<int:id>` has `id`"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[http("GET", "/u/<int:id>", sensitive_arguments("ids"))]
                async fn user(&self, id: u64) {}
            })),
            "`sensitive_arguments` names \"ids\", which is not a rule variable of `user`: the rule `/u/<int:id>` has `id`; did you mean `id`?"
        );
        assert_eq!(
            one_error(parse_quote!(impl S {
                #[http("POST", "/login", sensitive_arguments("password"))]
                async fn login(&self, request: Request) {}
            })),
            "`sensitive_arguments` names \"password\", which is not a rule variable of `login`: the rule `/login` has none; remove the entry"
        );
        // Each marker of a method is checked against its own arguments.
        assert!(
            one_error(parse_quote!(impl S {
                #[rpc(sensitive_arguments("id"))]
                #[http("GET", "/u/<int:id>", sensitive_arguments("idd"))]
                async fn user(&self, id: u64) {}
            }))
            .starts_with("`sensitive_arguments` names \"idd\"")
        );
    }

    #[test]
    fn duplicate_methods() {
        let (messages, duplicates) = check(parse_quote! {
            impl S {
                #[rpc] async fn a(&self) {}
                fn helper(&self) {}
                #[rpc] async fn r#a(&self) {}
            }
        });
        assert_eq!(messages.len(), 1);
        assert!(messages[0].starts_with("duplicate entrypoint method `a`"));
        assert_eq!(duplicates, [2]);
    }

    #[test]
    fn trait_impl_and_other_items() {
        assert!(
            one_error(parse_quote!(impl Clone for S { #[rpc] async fn a(&self) {} }))
                .starts_with("`#[service]` goes on an inherent impl block")
        );
        // Only the one error: the methods of a trait impl are not checked as entrypoints.
        assert!(
            one_error(parse_quote!(impl Clone for S { #[rpc] fn a(&mut self) {} }))
                .starts_with("`#[service]` goes on an inherent impl block")
        );
        let mut cx = Ctxt::new();
        not_an_impl(
            &mut cx,
            &parse_quote!(
                struct ServiceX;
            ),
        );
        let message = cx.into_result().unwrap_err().to_string();
        assert!(message.starts_with(
            "`#[service]` goes on the `impl` block of the service's methods, not on the struct"
        ));
    }
}
