//! Unit tests of `model/client.rs`.

use super::*;
use crate::ctxt::Ctxt;
use quote::quote;

type ItemImplOf = syn::ItemImpl;

fn text<T: ToTokens>(t: &T) -> String {
    t.to_token_stream().to_string()
}

fn service(args: TokenStream, item: syn::ItemImpl) -> Option<ClientModel> {
    let args: ServiceArgs = syn::parse2(args).unwrap();
    let mut cx = Ctxt::new();
    let model = ServiceModel::from_impl(&mut cx, Some(args), item);
    assert!(cx.is_empty());
    let args = model.args.as_ref().unwrap();
    ClientModel::from_service(&model, args)
}

#[test]
fn from_a_service() {
    let client = service(
        quote!(name = "service_y"),
        parse_quote! {
            impl crate::ServiceY {
                /// Appends.
                #[rpc]
                #[cfg(unix)]
                #[inline]
                async fn append(&self, mut value: String, r#type: Option<u8>) -> Result<String, E> {}
                #[event_handler("a", "b")]
                async fn handle(&self, payload: Value) {}
                #[rpc]
                async fn nothing(&self) -> Result<(), E> {}
                #[rpc]
                async fn unknown(&self) -> fmt::Result {}
                #[rpc]
                async fn me(&self, other: Option<Box<Self>>) -> Vec<Self> {}
            }
        },
    )
    .unwrap();
    assert_eq!(client.ident, "ServiceYClient");
    assert_eq!(client.service_name.value(), "service_y");
    assert_eq!(client.declared_by, "`ServiceY`");
    assert_eq!(client.source, ClientSource::Service);
    let names: Vec<_> = client.methods.iter().map(|m| m.wire_name.clone()).collect();
    assert_eq!(names, ["append", "nothing", "unknown", "me"]);
    let append = &client.methods[0];
    assert_eq!(append.attrs.len(), 2);
    let params: Vec<_> = append
        .params
        .iter()
        .map(|p| (p.ident.to_string(), text(&p.ty)))
        .collect();
    assert_eq!(
        params,
        [
            ("value".to_owned(), "String".to_owned()),
            ("r#type".to_owned(), "Option < u8 >".to_owned())
        ]
    );
    assert!(matches!(&append.output, ClientOutput::Type(ty) if text(ty) == "String"));
    assert_eq!(append.async_ident(), "append_async");
    assert!(matches!(client.methods[1].output, ClientOutput::Unit));
    assert!(matches!(client.methods[2].output, ClientOutput::Unknown));
    let owned: ItemImplOf = parse_quote! {
        impl S {
            #[rpc] async fn a(&self) -> &'static str {}
            #[rpc] async fn b(&self) -> Option<(&'static [&'static str], [&'static u8; 2])> {}
            #[rpc] async fn c(&self) -> Result<Cow<'static, str>, E> {}
        }
    };
    let owned = service(quote!(name = "s"), owned).unwrap();
    let outputs: Vec<String> = owned
        .methods
        .iter()
        .map(|m| match &m.output {
            ClientOutput::Type(ty) => text(ty).replace(' ', ""),
            _ => String::new(),
        })
        .collect();
    assert_eq!(
        outputs,
        [
            "::std::string::String",
            "Option<(::std::vec::Vec<::std::string::String>,[u8;2])>",
            "Cow<'static,str>"
        ]
    );
    let me = &client.methods[3];
    assert_eq!(
        text(&me.params[0].ty).replace(' ', ""),
        "Option<Box<crate::ServiceY>>"
    );
    assert!(
        matches!(&me.output, ClientOutput::Type(ty) if text(ty).replace(' ', "") == "Vec<crate::ServiceY>")
    );
}

#[test]
fn names_and_no_client() {
    let renamed = service(
        quote!(name = "s", client = "Other"),
        parse_quote!(impl S { #[rpc] async fn a(&self) {} }),
    )
    .unwrap();
    assert_eq!(renamed.ident, "Other");
    assert!(
        service(
            quote!(name = "s", client = false),
            parse_quote!(impl S { #[rpc] async fn a(&self) {} })
        )
        .is_none()
    );
    // No `#[rpc]` method: no client.
    assert!(
        service(
            quote!(name = "s"),
            parse_quote!(impl S { #[timer(1)] async fn a(&self) {} })
        )
        .is_none()
    );
    // A self type without a name needs `client = "..."`.
    assert!(
        service(
            quote!(name = "s"),
            parse_quote!(impl [u8; 2] { #[rpc] async fn a(&self) {} })
        )
        .is_none()
    );
}

#[test]
fn from_a_trait() {
    let item: ItemTrait = parse_quote! {
        /// Service Y, in Python.
        pub(crate) trait ServiceY {
            /// Appends `-y`.
            async fn append_identifier(&self, value: String) -> String;
            async fn r#try(&self, a: &str, b: Vec<u8>) -> Result<u8, RpcError>;
            async fn nothing(&self);
        }
    };
    let client = ClientModel::from_trait(&item, parse_quote!("service_y"), &ClientName::Default);
    assert_eq!(client.ident, "ServiceYClient");
    assert_eq!(text(&client.vis), "pub (crate)");
    assert_eq!(client.docs.len(), 1);
    assert_eq!(client.source, ClientSource::Trait);
    let names: Vec<_> = client.methods.iter().map(|m| m.wire_name.clone()).collect();
    assert_eq!(names, ["append_identifier", "try", "nothing"]);
    assert_eq!(client.methods[1].ident.to_string(), "r#try");
    assert_eq!(client.methods[1].async_ident(), "try_async");
    assert!(matches!(&client.methods[1].output, ClientOutput::Type(ty) if text(ty) == "u8"));
    assert!(matches!(client.methods[2].output, ClientOutput::Unit));
    let renamed = ClientModel::from_trait(
        &item,
        parse_quote!("y"),
        &ClientName::Named(format_ident!("Y")),
    );
    assert_eq!(renamed.ident, "Y");
}
