//! `#[rpc_client(name = "service_y", client = "...", crate = "...")]`.

use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitStr, Meta, Token};

use super::{
    ClientName, client_name, crate_path, finish_with_name, name_value_str, path_to_string, set_once,
};
use crate::ctxt::Ctxt;

const MACRO: &str = "rpc_client";

/// The keys `#[rpc_client(...)]` accepts, as error messages list them.
const KEYS: &str = "`name = \"...\"`, `client = \"...\"`, `crate = \"...\"`";

/// Arguments of `#[rpc_client(...)]`.
pub(crate) struct RpcClientArgs {
    /// The remote service's name.
    pub(crate) name: LitStr,
    /// The client type's name; `Default`: the trait's name followed by `Client`.
    pub(crate) client: ClientName,
    /// `crate = "..."`: where the `nameko` facade is.
    pub(crate) krate: Option<syn::Path>,
}

impl Parse for RpcClientArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            return Err(syn::Error::new_spanned(
                &lit,
                format!(
                    "`#[rpc_client]` takes the service's name as a key: write `#[rpc_client(name = {})]`",
                    lit.to_token_stream()
                ),
            ));
        }
        let metas = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        let mut cx = Ctxt::new();
        let mut name: Option<LitStr> = None;
        let mut client: Option<ClientName> = None;
        let mut krate: Option<syn::Path> = None;
        for meta in metas {
            let path = meta.path();
            if path.is_ident("name") {
                let Some(value) = name_value_str(
                    &mut cx,
                    &meta,
                    "name",
                    "#[rpc_client(name = \"service_y\")]",
                ) else {
                    continue;
                };
                if value.value().trim().is_empty() {
                    cx.error_spanned_by(
                        &value,
                        "`#[rpc_client]` needs a non-empty `name`: the name of the service it calls, e.g. `name = \"service_y\"`",
                    );
                } else {
                    set_once(&mut cx, &mut name, value, path, "name", MACRO);
                }
            } else if path.is_ident("client") {
                match client_name(&mut cx, &meta, MACRO) {
                    Some(ClientName::Disabled) => cx.error_spanned_by(
                        &meta,
                        "`client = false` would leave `#[rpc_client]` nothing to generate: remove it, or give the client a name, `client = \"ServiceYRpc\"`",
                    ),
                    Some(value) => set_once(&mut cx, &mut client, value, path, "client", MACRO),
                    None => {}
                }
            } else if path.is_ident("crate") {
                if let Some(value) = crate_path(&mut cx, &meta, MACRO) {
                    set_once(&mut cx, &mut krate, value, path, "crate", MACRO);
                }
            } else {
                cx.error_spanned_by(
                    path,
                    format!(
                        "unknown `#[rpc_client]` key `{}`: valid keys are {KEYS}",
                        path_to_string(path)
                    ),
                );
            }
        }
        let name = finish_with_name(
            cx,
            name,
            "`#[rpc_client]` needs the name of the service it calls: write `#[rpc_client(name = \"service_y\")]`",
        )?;
        Ok(RpcClientArgs {
            name,
            client: client.unwrap_or(ClientName::Default),
            krate,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn parse(tokens: TokenStream) -> Result<RpcClientArgs, Vec<String>> {
        syn::parse2::<RpcClientArgs>(tokens)
            .map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn valid() {
        let args = parse(quote!(name = "service_y")).unwrap();
        assert_eq!(args.name.value(), "service_y");
        assert!(matches!(args.client, ClientName::Default));
        assert!(args.krate.is_none());
        let args = parse(quote!(name = "y", client = "YRpc", crate = "::my_nameko",)).unwrap();
        assert!(matches!(args.client, ClientName::Named(ident) if ident == "YRpc"));
        assert_eq!(
            args.krate.unwrap().to_token_stream().to_string(),
            ":: my_nameko"
        );
    }

    #[test]
    fn mistakes() {
        assert_eq!(
            parse(quote!("service_y")).err().unwrap(),
            [
                "`#[rpc_client]` takes the service's name as a key: write `#[rpc_client(name = \"service_y\")]`"
            ]
        );
        assert!(
            parse(TokenStream::new()).err().unwrap()[0]
                .starts_with("`#[rpc_client]` needs the name of the service it calls")
        );
        let errors = parse(quote!(
            name = "",
            client = "not an ident",
            crate = "a b",
            timeout = 3,
            client = false
        ))
        .err()
        .unwrap();
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("`#[rpc_client]` needs a non-empty `name`"));
        assert!(errors[1].starts_with("`client` must name a type"));
        assert!(errors[2].starts_with("`crate` takes the path of the `nameko` crate"));
        assert_eq!(
            errors[3],
            "unknown `#[rpc_client]` key `timeout`: valid keys are `name = \"...\"`, `client = \"...\"`, `crate = \"...\"`"
        );
        assert!(errors[4].starts_with("`client = false` would leave"));
        assert!(
            parse(quote!(name = "a", name = "b")).err().unwrap()[0]
                .starts_with("`name` set multiple times")
        );
    }
}
