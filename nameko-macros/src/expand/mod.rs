//! Orchestration: parse, model, check, then either the generated code or the user's item
//! with every error next to it.

mod adapter;
mod client;
mod rpc_client;
mod service;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{ImplItem, Item, parse_quote};

use crate::attr::ServiceArgs;
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{ClientModel, Marker, ServiceModel};
use crate::paths::{Feature, Paths};
use crate::root::Root;

pub(crate) use rpc_client::rpc_client;

/// Expands `#[service(args)] input`.
///
/// The user's impl block is always emitted (without its marker attributes), so one mistake
/// gives one error and editors keep completing the service's methods.
pub(crate) fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let args = match syn::parse2::<ServiceArgs>(args) {
        Ok(args) => Some(args),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Impl(item)) => item,
        Ok(other) => {
            check::not_an_impl(&mut cx, &other);
            return with_errors(input, cx);
        }
        Err(error) => {
            cx.syn_error(error);
            return with_errors(input, cx);
        }
    };

    let model = ServiceModel::from_impl(&mut cx, args, item);
    let duplicates = check::service(&mut cx, &model);
    let root = Root::resolve(model.args.as_ref().and_then(|args| args.krate.as_ref()));
    let p = Paths::new(&root);
    // The typed client, of the `#[rpc]` methods; not of a trait impl, which is an error.
    let client = match &model.args {
        Some(args) if model.item.trait_.is_none() => ClientModel::from_service(&model, args),
        _ => None,
    };
    if let Some(client) = &client {
        check::client_clashes(&mut cx, client);
    }
    let generated = match &model.args {
        Some(args) if cx.is_empty() => {
            let service = service::expand(&p, &model, args);
            let client =
                client.map(|client| p.if_enabled(Feature::Amqp, client::expand(&p, &client)));
            quote!(#service #client)
        }
        Some(args) => {
            let service = service::fallback(&p, &model, args);
            let client =
                client.map(|client| p.if_enabled(Feature::Amqp, client::fallback(&p, &client)));
            quote!(#service #client)
        }
        None => TokenStream::new(),
    };
    let mut item = model.item;
    for method in &model.methods {
        if let Some(ImplItem::Fn(f)) = item.items.get_mut(method.index) {
            // Entrypoints must be `async` even when they await nothing.
            f.attrs.push(parse_quote!(#[allow(clippy::unused_async)]));
        }
    }
    for index in duplicates.into_iter().rev() {
        if index < item.items.len() {
            item.items.remove(index);
        }
    }
    let marker_uses = marker_uses(&model.marker_paths);
    let errors = cx.into_result().err().map(|error| error.to_compile_error());
    let output = quote! {
        #item
        #generated
        #marker_uses
        #errors
    };
    debug(&output);
    output
}

/// Names every marker path that `#[service]` removed, so that `use nameko_core::rpc;`
/// counts as used (the compiler never sees the removed `#[rpc]` itself).
fn marker_uses(paths: &[syn::Path]) -> TokenStream {
    if paths.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #(
                #[allow(unused_imports)]
                use #paths as _;
            )*
        };
    }
}

/// Expands a marker attribute found outside `#[service]`: `#[service]` removes the markers
/// of its methods before they expand, so a marker that expands on its own is misplaced.
pub(crate) fn marker_outside_service(marker: Marker, input: TokenStream) -> TokenStream {
    let name = marker.name();
    let mut cx = Ctxt::new();
    cx.error_at(
        Span::call_site(),
        format!(
            "`#[{name}]` must be used on a method inside a `#[service(name = \"...\")]` impl block"
        ),
    );
    with_errors(input, cx)
}

pub(super) fn with_errors(input: TokenStream, cx: Ctxt) -> TokenStream {
    let errors = cx.into_result().err().map(|error| error.to_compile_error());
    quote! {
        #input
        #errors
    }
}

/// Prints an expansion to stderr when `NAMEKO_MACROS_DEBUG` is set.
fn debug(output: &TokenStream) {
    debug_named("#[service]", output);
}

/// Prints the expansion of `macro_name` to stderr when `NAMEKO_MACROS_DEBUG` is set.
pub(super) fn debug_named(macro_name: &str, output: &TokenStream) {
    if std::env::var_os("NAMEKO_MACROS_DEBUG").is_some() {
        eprintln!("// expansion of {macro_name}\n{output}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, input: TokenStream) -> String {
        service(args, input).to_string()
    }

    #[test]
    fn expands_a_service() {
        let out = expand(
            quote!(name = "service_x", dependencies(y)),
            quote! {
                impl ServiceX {
                    #[rpc]
                    async fn remote_method(&self, value: String, count: Option<u32>) -> Result<String, RpcError> {}
                    fn helper(&self) {}
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("# [rpc]"), "{out}");
        assert!(
            out.contains("impl :: nameko_core :: __private :: Service for ServiceX"),
            "{out}"
        );
        assert!(
            out.contains(":: nameko_amqp :: __private :: rpc (\"remote_method\" , :: nameko_core :: __private :: EntrypointOptions :: new () . params (& [\"value\" , \"count\"]) , {"),
            "{out}"
        );
        assert!(
            out.contains("-> :: nameko_core :: __private :: BoxFuture < :: core :: result :: Result < :: nameko_core :: __private :: Value , :: nameko_core :: __private :: MethodError >>"),
            "{out}"
        );
        assert!(out.contains("fn dependencies"), "{out}");
        assert!(
            out.contains("let __nameko_arg1 : Option < u32 > = __nameko_binder . take (1) ?"),
            "{out}"
        );
        assert!(out.contains("Ok (__nameko_value) => :: nameko_core :: __private :: encode_result (__nameko_value) . map_err (< :: nameko_core :: __private :: MethodError as :: core :: convert :: From < :: nameko_core :: __private :: RemoteError >> :: from) ,"), "{out}");
        assert!(
            out.contains("Err (__nameko_error) => :: core :: result :: Result :: Err (:: nameko_core :: __private :: method_error ! (__nameko_error))"),
            "{out}"
        );
        assert!(!out.contains("ErrorWrap"), "{out}");
        assert!(out.contains("fn helper"), "{out}");
    }

    #[test]
    fn expands_a_client() {
        let out = expand(
            quote!(name = "service_y", dependencies(z, 0)),
            quote! {
                impl crate::ServiceY {
                    /// Appends `-y`.
                    #[rpc]
                    async fn append_identifier(&self, value: String, n: Option<u8>) -> Result<String, E> {}
                    #[rpc]
                    async fn version(&self) -> &'static str {}
                    #[rpc]
                    async fn ping(&self) {}
                    #[timer(1)]
                    async fn tick(&self) {}
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(
                "fn dependency_names (& self) -> & 'static [& 'static str] { & [\"z\" , \"0\"] }"
            ),
            "{out}"
        );
        assert!(
            out.contains(":: nameko_amqp :: __private :: rpc_client ! { # [doc = \" A typed RPC client of the `service_y` service, `ServiceY`, generated by `#[service]`"),
            "{out}"
        );
        assert!(
            out.contains("pub struct ServiceYClient for \"service_y\" ; }"),
            "{out}"
        );
        assert!(
            out.contains("# [allow (dead_code , unreachable_pub , private_interfaces , private_bounds)] impl < __NamekoCaller : :: nameko_amqp :: __private :: RpcCaller > ServiceYClient < __NamekoCaller > {"),
            "{out}"
        );
        // The method's docs, then the client's.
        assert!(
            out.contains("# [doc = r\" Appends `-y`.\"] # [doc = \"\"] # [doc = \" Calls `service_y.append_identifier` over RPC"),
            "{out}"
        );
        // The bounds are checked where the method is called.
        assert!(
            out.contains("pub async fn append_identifier (& self , value : String , n : Option < u8 >) -> :: core :: result :: Result < String , :: nameko_amqp :: __private :: RpcError > where String : :: nameko_amqp :: __private :: RpcArgument < __NamekoCaller > , Option < u8 > : :: nameko_amqp :: __private :: RpcArgument < __NamekoCaller > , String : :: nameko_amqp :: __private :: RpcReturn < __NamekoCaller > , { :: nameko_amqp :: __private :: TypedReply :: result_for :: < __NamekoCaller > (Self :: append_identifier_async (self , value , n) . await ?) . await }"),
            "{out}"
        );
        assert!(
            out.contains("pub async fn append_identifier_async (& self , value : String , n : Option < u8 >) -> :: core :: result :: Result < :: nameko_amqp :: __private :: TypedReply < String > , :: nameko_amqp :: __private :: RpcError > where String : :: nameko_amqp :: __private :: RpcArgument < __NamekoCaller > , Option < u8 > : :: nameko_amqp :: __private :: RpcArgument < __NamekoCaller > , { :: nameko_amqp :: __private :: TypedCall :: new (\"append_identifier\") . arg :: < __NamekoCaller , _ > (& value) . arg :: < __NamekoCaller , _ > (& n) . send (& self . caller) . await }"),
            "{out}"
        );
        // A borrowed result decodes into its owned form; no result, `()`.
        assert!(
            out.contains("pub async fn version (& self) -> :: core :: result :: Result < :: std :: string :: String ,"),
            "{out}"
        );
        assert!(
            out.contains("pub async fn ping (& self) -> :: core :: result :: Result < () , :: nameko_amqp :: __private :: RpcError > {"),
            "{out}"
        );
        assert!(!out.contains("fn tick_async"), "{out}");
    }

    #[test]
    fn through_the_facade() {
        let out = expand(
            quote!(name = "s", crate = "::my_nameko"),
            quote! {
                impl S {
                    #[rpc] async fn a(&self) {}
                    #[event_handler("src", "evt")] async fn b(&self, payload: Value) {}
                    #[http("GET", "/")] async fn c(&self) {}
                    #[timer(1)] async fn d(&self) {}
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("nameko_core"), "{out}");
        assert!(!out.contains("nameko_amqp"), "{out}");
        assert!(
            out.contains("impl :: my_nameko :: __private :: core :: Service for S"),
            "{out}"
        );
        for (gate, marker, constructor) in [
            ("require_amqp", "rpc", "amqp :: rpc"),
            ("require_amqp", "event_handler", "amqp :: event_handler"),
            ("require_web", "http", "web :: http"),
            ("require_timer", "timer", "timer :: timer"),
        ] {
            let expected = format!(
                ":: my_nameko :: __private :: {gate} ! {{ \"`#[{marker}]`\" => :: my_nameko :: __private :: {constructor} (\""
            );
            assert!(out.contains(&expected), "{expected}\n{out}");
        }
        assert!(
            out.contains(":: my_nameko :: __private :: if_amqp ! { :: my_nameko :: __private :: amqp :: rpc_client ! {"),
            "{out}"
        );
    }

    #[test]
    fn client_clashes_are_errors() {
        let out = expand(
            quote!(name = "s"),
            quote!(impl S { #[rpc] async fn new(&self) {} #[rpc] async fn b(&self) {} }),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(
            out.contains("remote method `new` clashes with `SClient::new`"),
            "{out}"
        );
        // The client struct, without methods; the service's stand-in.
        assert!(out.contains("pub struct SClient for \"s\" ;"), "{out}");
        assert!(!out.contains("fn b_async"), "{out}");
        assert!(out.contains("Service for S"), "{out}");
        // `client = false`: no client, no clash.
        let out = expand(
            quote!(name = "s", client = false),
            quote!(impl S { #[rpc] async fn new(&self) {} }),
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("rpc_client"), "{out}");
    }

    #[test]
    fn expands_an_event_handler() {
        let out = expand(
            quote!(name = "s"),
            quote! {
                impl S {
                    #[event_handler("src", "evt", handler_type = "Broadcast", requeue_on_error = true)]
                    async fn handle(&self, order: Order) -> Result<(), E> {}
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(":: nameko_amqp :: __private :: event_handler (\"handle\" , \"src\" , \"evt\" , :: nameko_amqp :: __private :: HandlerType :: Broadcast , true , true , :: nameko_core :: __private :: EntrypointOptions :: new () . params (& [\"order\"]) , {"),
            "{out}"
        );
        assert!(
            out.contains("move | __nameko_payload : :: nameko_core :: __private :: Value |"),
            "{out}"
        );
        assert!(
            out.contains("let __nameko_arg0 : Order = :: nameko_core :: __private :: serde_json :: from_value :: < Order > (__nameko_payload)"),
            "{out}"
        );
        assert!(
            out.contains("RemoteError :: malformed_request (:: std :: format ! (\"event payload does not fit `handle`'s parameter `order`: {__nameko_error}\"))"),
            "{out}"
        );
        assert!(
            out.contains("Self :: handle (& * __nameko_service , __nameko_arg0) . await"),
            "{out}"
        );
    }

    #[test]
    fn expands_a_timer() {
        let out = expand(
            quote!(name = "s"),
            quote! {
                impl S {
                    #[timer(interval = 1)]
                    async fn tick(&self) {}
                    #[timer(0.25, eager = true)]
                    async fn tock(&self) -> u8 { 1 }
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(":: nameko_timer :: __private :: timer (\"tick\" , 1.0 , false , :: nameko_core :: __private :: EntrypointOptions :: new () , {"),
            "{out}"
        );
        assert!(
            out.contains(":: nameko_timer :: __private :: timer (\"tock\" , 0.25 , true , :: nameko_core :: __private :: EntrypointOptions :: new () , {"),
            "{out}"
        );
        assert!(
            out.contains("Self :: tock (& * __nameko_service) . await ; :: nameko_core :: __private :: encode_result (__nameko_out) . map_err (< :: nameko_core :: __private :: MethodError as :: core :: convert :: From < :: nameko_core :: __private :: RemoteError >> :: from) })"),
            "{out}"
        );
        assert!(out.contains("move | | ->"), "{out}");
        assert!(
            out.contains("Self :: tick (& * __nameko_service) . await"),
            "{out}"
        );
    }

    #[test]
    fn expands_http() {
        let out = expand(
            quote!(name = "http_service"),
            quote! {
                impl HttpService {
                    #[http("GET", "/get/<int:value>")]
                    async fn get_method(&self, request: Request, value: i64) -> String {}
                    #[http("GET,POST", "/post")]
                    async fn do_post(&self) -> Result<(u16, String), MyError> {}
                    #[http("GET", "/none")]
                    async fn none(&self) {}
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(!out.contains("# [http"), "{out}");
        assert!(
            out.contains(":: nameko_web :: __private :: http (\"get_method\" , \"GET\" , \"/get/<int:value>\" , :: nameko_core :: __private :: EntrypointOptions :: new () . params (& [\"value\"]) , {"),
            "{out}"
        );
        assert!(
            out.contains("move | __nameko_request : :: nameko_web :: __private :: Request , mut __nameko_params : :: nameko_web :: __private :: PathParams | -> :: nameko_web :: __private :: BoxFuture < :: nameko_web :: __private :: HttpResult >"),
            "{out}"
        );
        assert!(
            out.contains("let __nameko_arg0 : Request = __nameko_request ; let __nameko_arg1 : i64 = __nameko_params . take (\"value\") ?"),
            "{out}"
        );
        assert!(
            out.contains(
                "Self :: get_method (& * __nameko_service , __nameko_arg0 , __nameko_arg1) . await"
            ),
            "{out}"
        );
        assert!(
            out.contains(":: nameko_web :: __private :: into_http_result (__nameko_out)"),
            "{out}"
        );
        // No rule variables: the parameters are not `mut`.
        assert!(
            out.contains(", __nameko_params : :: nameko_web :: __private :: PathParams |"),
            "{out}"
        );
        assert!(
            out.contains("Ok (__nameko_value) => :: nameko_web :: __private :: into_http_result (__nameko_value)"),
            "{out}"
        );
        assert!(
            out.contains("Err (__nameko_error) => :: core :: result :: Result :: Err (:: nameko_web :: __private :: http_error ! (__nameko_error))"),
            "{out}"
        );
    }

    #[test]
    fn expands_worker_options() {
        let out = expand(
            quote!(name = "s"),
            quote! {
                impl S {
                    #[rpc(expected_exceptions(NotFound, std::io::Error, errors::Wrapper::<u8>), sensitive_arguments("password", "card.number"))]
                    async fn login(&self, username: String, password: String, card: Card) {}
                    #[event_handler("src", "evt", expected_exceptions = NotFound, sensitive_arguments = "order.card")]
                    async fn handle(&self, order: Order) {}
                    #[http("GET", "/users/<int:id>", expected_exceptions(NotFound), sensitive_arguments("id"))]
                    async fn user(&self, request: Request, id: u64) {}
                    #[timer(interval = 1, expected_exceptions = (NotFound,))]
                    async fn tick(&self) {}
                }
            },
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(":: nameko_amqp :: __private :: rpc (\"login\" , :: nameko_core :: __private :: EntrypointOptions :: new () . params (& [\"username\" , \"password\" , \"card\"]) . expected (\"NotFound\" , :: nameko_core :: __private :: is_error :: < NotFound >) . expected (\"std::io::Error\" , :: nameko_core :: __private :: is_error :: < std :: io :: Error >) . expected (\"errors::Wrapper::<u8>\" , :: nameko_core :: __private :: is_error :: < errors :: Wrapper :: < u8 > >) . sensitive ([\"password\" , \"card.number\"]) , {"),
            "{out}"
        );
        assert!(
            out.contains("true , false , :: nameko_core :: __private :: EntrypointOptions :: new () . params (& [\"order\"]) . expected (\"NotFound\" , :: nameko_core :: __private :: is_error :: < NotFound >) . sensitive ([\"order.card\"]) , {"),
            "{out}"
        );
        assert!(
            out.contains(":: nameko_web :: __private :: http (\"user\" , \"GET\" , \"/users/<int:id>\" , :: nameko_core :: __private :: EntrypointOptions :: new () . params (& [\"id\"]) . expected (\"NotFound\" , :: nameko_core :: __private :: is_error :: < NotFound >) . sensitive ([\"id\"]) , {"),
            "{out}"
        );
        assert!(
            out.contains(":: nameko_timer :: __private :: timer (\"tick\" , 1.0 , false , :: nameko_core :: __private :: EntrypointOptions :: new () . expected (\"NotFound\" , :: nameko_core :: __private :: is_error :: < NotFound >) , {"),
            "{out}"
        );
    }

    #[test]
    fn sensitive_arguments_are_checked() {
        let out = expand(
            quote!(name = "s"),
            quote! {
                impl S {
                    #[rpc(sensitive_arguments("pasword"))]
                    async fn login(&self, username: String, password: String) {}
                }
            },
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("did you mean `password`?"), "{out}");
        assert!(!out.contains("__private :: rpc ("), "{out}");
    }

    #[test]
    fn no_dependencies_no_fn() {
        let out = expand(
            quote!(name = "s"),
            quote!(impl S { #[rpc] async fn a(&self) {} }),
        );
        assert!(!out.contains("fn dependencies"), "{out}");
        assert!(out.contains("encode_result (__nameko_out)"), "{out}");
    }

    #[test]
    fn errors_keep_the_item_and_a_fallback() {
        let out = expand(
            quote!(name = "s"),
            quote!(impl S { #[rpc] fn a(&self) {} fn b(&self) {} }),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("fn a (& self)"), "{out}");
        assert!(out.contains("fn b (& self)"), "{out}");
        assert!(!out.contains("# [rpc]"), "{out}");
        assert!(out.contains("Service for S"), "{out}");
        // The client struct, without methods; no entrypoint.
        assert!(out.contains("rpc_client ! {"), "{out}");
        assert!(out.contains("pub struct SClient for \"s\" ;"), "{out}");
        assert!(!out.contains("__private :: rpc ("), "{out}");
        assert!(!out.contains("fn a_async"), "{out}");
    }

    #[test]
    fn errors_accumulate_across_stages() {
        let out = expand(
            quote!(name = "s", bogus = 1),
            quote!(impl S { #[rpc] fn a(&self) {} #[rpc] async fn b(&mut self) {} }),
        );
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(!out.contains("Service for S"), "{out}");
    }

    #[test]
    fn duplicates_are_left_out() {
        let out = expand(
            quote!(name = "s"),
            quote!(impl S { #[rpc] async fn a(&self) -> u8 { 1 } #[rpc] async fn a(&self) -> u16 { 2 } }),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(out.contains("-> u8"), "{out}");
        assert!(!out.contains("-> u16"), "{out}");
    }

    #[test]
    fn not_an_impl_block() {
        let out = expand(
            quote!(name = "s"),
            quote!(
                struct S;
            ),
        );
        assert!(out.starts_with("struct S ;"), "{out}");
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    }

    #[test]
    fn marker_alone() {
        let out = marker_outside_service(
            Marker::Rpc,
            quote!(
                async fn a(&self) {}
            ),
        )
        .to_string();
        assert!(out.starts_with("async fn a"), "{out}");
        assert!(out.contains("`#[rpc]` must be used on a method inside a `#[service(name = \\\"...\\\")]` impl block"), "{out}");
    }
}
