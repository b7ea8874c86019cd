//! Unit tests of `check/client.rs`.

use super::*;
use crate::attr::ClientName;
use syn::parse_quote;

fn trait_errors(item: ItemTrait) -> Vec<String> {
    let mut cx = Ctxt::new();
    rpc_client_trait(&mut cx, &item);
    let client = ClientModel::from_trait(&item, parse_quote!("s"), &ClientName::Default);
    clashes(&mut cx, &client);
    match cx.into_result() {
        Ok(()) => Vec::new(),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn valid_trait() {
    let errors = trait_errors(parse_quote! {
        pub trait ServiceY {
            /// Docs.
            async fn append_identifier(&self, value: String) -> String;
            async fn borrowing(&self, value: &str, mut n: u8) -> Result<u8, RpcError>;
            async fn r#type(&self);
        }
    });
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn bad_methods() {
    let errors = trait_errors(parse_quote! {
        trait S {
            fn not_async(&self) -> u8;
            async fn no_self(value: String);
            async fn mut_self(&mut self);
            async fn by_value(self);
            async fn generic<T>(&self, t: T);
            async fn body(&self) {}
            async fn pattern(&self, (a, b): (u8, u8));
            async fn impl_trait(&self, a: impl Serialize) -> Vec<impl Debug>;
            async fn borrowed(&self, a: &str) -> Option<&'static str>;
            const X: u8;
            type T;
        }
    });
    let starts = [
        "`#[rpc_client]` methods must be `async fn`",
        "`#[rpc_client]` methods take `&self`, as the client's methods do: add `&self`",
        "`#[rpc_client]` methods take `&self`, as the client's methods do: write `&self`",
        "`#[rpc_client]` methods take `&self`, as the client's methods do: write `&self`",
        "`#[rpc_client]` methods cannot have generic or lifetime parameters",
        "`#[rpc_client]` methods are declarations of the remote service's methods, without a body",
        "use a plain name for `#[rpc_client]` arguments",
        "`#[rpc_client]` arguments cannot be `impl Trait`",
        "`#[rpc_client]` methods cannot return `impl Trait`",
        "`#[rpc_client]` results cannot borrow: the reply is decoded into an owned value; use `String` instead of `&str`",
        "`#[rpc_client]` traits declare only the remote methods: remove this constant",
        "`#[rpc_client]` traits declare only the remote methods: remove this associated type",
    ];
    assert_eq!(errors.len(), starts.len(), "{errors:#?}");
    for (error, start) in errors.iter().zip(starts) {
        assert!(error.starts_with(start), "{error} / {start}");
    }
}

#[test]
fn bad_traits() {
    let errors = trait_errors(parse_quote! {
        trait S<T>: Send {
            async fn a(&self);
            async fn a(&self, x: u8);
        }
    });
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("`#[rpc_client]` traits cannot be generic"));
    assert!(errors[1].starts_with("`#[rpc_client]` traits cannot have supertraits"));
    assert_eq!(
        errors[2],
        "method `a` is declared twice: declare each remote method once"
    );
}

#[test]
fn clashing_names() {
    let errors = trait_errors(parse_quote! {
        trait S {
            async fn new(&self);
            async fn get(&self);
            async fn get_async(&self);
            async fn other_async(&self);
        }
    });
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0],
        "remote method `new` clashes with `SClient::new`, which the typed client `SClient` has already; rename the method"
    );
    assert!(errors[1].starts_with(
        "remote method `get_async` clashes with the `_async` form of `get` on the typed client `SClient`"
    ));
}

#[test]
fn not_traits() {
    let mut cx = Ctxt::new();
    not_a_trait(&mut cx, &parse_quote!(impl S {}));
    not_a_trait(
        &mut cx,
        &parse_quote!(
            struct S;
        ),
    );
    let messages: Vec<String> = cx
        .into_result()
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    assert!(messages[0].starts_with(
        "`#[rpc_client]` goes on a trait that declares the remote service's methods, not on an impl block"
    ));
    assert!(messages[0].ends_with("generates its client already"));
    assert!(messages[1].contains("not on a struct"));
}
