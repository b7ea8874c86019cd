//! Unit tests of `check.rs`.

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
        one_error(parse_quote!(impl S { #[rpc] async fn a(&self, s: Option<&'static Foo>) {} }))
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
        check(
            parse_quote!(impl S { #[timer(interval = 1)] async fn a(&self) -> Result<u8, E> {} })
        )
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
        one_error(
            parse_quote!(impl S { #[http("GET", "/s/<name>")] async fn a(&self, name: &str) {} })
        )
        .starts_with("`#[http]` parameters cannot borrow")
    );
    assert!(
        one_error(
            parse_quote!(impl S { #[http("GET", "/s")] async fn a(&self, request: &Request) {} })
        )
        .starts_with("`#[http]` parameters cannot borrow")
    );
    assert_eq!(
        one_error(
            parse_quote!(impl S { #[http("POST", "/post")] async fn a(&self, body: String) {} })
        ),
        "parameter `body` is not a variable of the rule `/post`, which has none: `#[http]` methods take the rule's variables, by name, the request (`request: nameko_web::Request`), and typed extractors (`Json<T>`, `Form<T>` for the body, `Query<T>` for the query string); add `<body>` to the rule, or remove the parameter"
    );
    assert_eq!(
        one_error(
            parse_quote!(impl S { #[http("GET", "/<a>/<b>")] async fn a(&self, a: String, b: String, c: String) {} })
        ),
        "parameter `c` is not a variable of the rule `/<a>/<b>`, whose variables are `a`, `b`: `#[http]` methods take the rule's variables, by name, the request (`request: nameko_web::Request`), and typed extractors (`Json<T>`, `Form<T>` for the body, `Query<T>` for the query string); rename or remove the parameter"
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
fn http_extractors() {
    // Parameters that are no rule variable and no path value are extractors, patterns
    // allowed.
    let (messages, _) = check(parse_quote!(impl S {
        #[http("POST", "/w/<int:id>")]
        async fn a(&self, id: u32, Json(body): Json<New>, q: Query<Page>, key: ApiKey, r: Request) {}
    }));
    assert!(messages.is_empty(), "{messages:?}");
    // One body.
    let message = one_error(parse_quote!(impl S {
        #[http("POST", "/w")]
        async fn a(&self, a: Json<A>, b: nameko::web::Form<B>) {}
    }));
    assert_eq!(
        message,
        "`#[http]` methods read the body once, and `Json<A>` already reads it: take one body parameter, a `Json<T>` or `Form<T>` whose `T` holds all of it"
    );
    // A misnamed variable is still reported as one.
    let (messages, _) =
        check(parse_quote!(impl S { #[http("GET", "/<int:id>")] async fn a(&self, idd: i64) {} }));
    assert!(
        messages[0].starts_with("parameter `idd` is not a variable of the rule `/<int:id>`"),
        "{messages:?}"
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
        messages[0].starts_with("`sensitive_arguments` entry \"r#type\" is not a parameter name")
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
