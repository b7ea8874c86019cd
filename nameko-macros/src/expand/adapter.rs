//! Per-method adapters: the entrypoint's options (`expected_exceptions`,
//! `sensitive_arguments`, the parameter names), and the handler, which decodes the
//! arguments, calls the user's method and encodes its result or error.

use proc_macro2::{Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{EventHandlerArgs, HttpArgs, TimerArgs, WorkerArgs};
use crate::check::http as check_http;
use crate::model::{EntrypointAttr, EntrypointKind, MethodModel, OutputModel, ParamModel};
use crate::paths::{Feature, Paths};
use crate::text;

/// The entrypoint constructor call for one marker of `method`: one element of the
/// service's dispatch table.
pub(super) fn entrypoint(
    p: &Paths,
    method: &MethodModel,
    entrypoint: &EntrypointAttr,
) -> TokenStream {
    match &entrypoint.kind {
        EntrypointKind::Rpc(args) => {
            let rpc = &p.rpc;
            bound_by_arguments(
                p,
                method,
                &args.worker,
                |name, options, handler| quote!(#rpc(#name, #options, #handler)),
            )
        }
        EntrypointKind::Custom(args) => {
            let custom = respan(p.custom_entrypoint.clone(), args.kind.span());
            let kind = &args.kind;
            bound_by_arguments(
                p,
                method,
                &args.worker,
                |name, options, handler| quote_spanned!(kind.span()=> #custom(#kind, #name, #options, #handler)),
            )
        }
        EntrypointKind::EventHandler(args) => event_handler(p, method, args),
        EntrypointKind::Http(args) => http(p, method, args),
        EntrypointKind::Timer(args) => timer(p, method, args),
    }
}

/// The entrypoint's `EntrypointOptions`: the parameter names `params` (`.params` only when
/// there are some), one `.expected("Type", is_error::<Type>)` per expected error type,
/// spanned at the type so that a type that is not an error is reported there, and the
/// sensitive arguments, if any.
fn options(p: &Paths, worker: &WorkerArgs, params: &[&str]) -> TokenStream {
    let Paths {
        entrypoint_options,
        is_error,
        ..
    } = p;
    let params = (!params.is_empty()).then(|| {
        let names = params.iter().map(|name| Literal::string(name));
        quote!(.params(&[#(#names),*]))
    });
    let expected = worker.expected.iter().map(|path| {
        let span = path.span();
        let mut name = Literal::string(&text::code(path));
        name.set_span(span);
        let is_error = respan(is_error.clone(), span);
        quote_spanned!(span=> .expected(#name, #is_error::<#path>))
    });
    let sensitive = (!worker.sensitive.is_empty()).then(|| {
        let entries = &worker.sensitive;
        quote!(.sensitive([#(#entries),*]))
    });
    quote!(#entrypoint_options::new() #params #(#expected)* #sensitive)
}

/// `construct("method", options, handler)` (`rpc(...)`, or a custom kind's), where the
/// handler binds `Arguments` to the parameters by position and keyword, awaits the method,
/// and encodes its result or error.
fn bound_by_arguments(
    p: &Paths,
    method: &MethodModel,
    worker: &WorkerArgs,
    construct: impl FnOnce(&Literal, TokenStream, TokenStream) -> TokenStream,
) -> TokenStream {
    let Paths {
        arguments,
        arg_binder,
        ..
    } = p;
    let wire_name = Literal::string(&method.wire_name());
    let names = method
        .params
        .iter()
        .map(|param| Literal::string(param.name.as_deref().unwrap_or_default()));
    let vars: Vec<_> = (0..method.params.len())
        .map(|i| format_ident!("__nameko_arg{}", i))
        .collect();
    let bind = if method.params.is_empty() {
        quote!(#arg_binder::new(#wire_name, &[], __nameko_args)?;)
    } else {
        let takes = method
            .params
            .iter()
            .zip(&vars)
            .enumerate()
            .map(|(i, (param, var))| {
                let ty = &param.ty;
                let index = Literal::usize_unsuffixed(i);
                quote_spanned!(ty.span()=> let #var: #ty = __nameko_binder.take(#index)?;)
            });
        quote! {
            let mut __nameko_binder = #arg_binder::new(#wire_name, &[#(#names),*], __nameko_args)?;
            #(#takes)*
        }
    };
    let handler = handler(p, method, &quote!(__nameko_args: #arguments), &bind, &vars);
    // `check` reported a parameter without a plain name.
    let params: Vec<&str> = method
        .params
        .iter()
        .map(|param| param.name.as_deref().unwrap_or_default())
        .collect();
    let options = options(p, worker, &params);
    construct(&wire_name, options, handler)
}

/// `event_handler("method", "source", "event_type", HandlerType::X, reliable, requeue,
/// options, handler)`, where the handler decodes the payload into the method's one parameter; a
/// payload that does not fit is a `MalformedRequest`, which the entrypoint rejects without
/// requeueing.
fn event_handler(p: &Paths, method: &MethodModel, args: &EventHandlerArgs) -> TokenStream {
    let Paths {
        event_handler,
        handler_type,
        failure_policy,
        value,
        serde_json,
        remote_error,
        format,
        ..
    } = p;
    let wire_name = Literal::string(&method.wire_name());
    let EventHandlerArgs {
        source_service,
        event_type,
        reliable_delivery,
        requeue_on_error,
        ..
    } = args;
    let variant = Ident::new(args.handler_type.variant(), Span::call_site());
    // `check` reported a method without exactly one parameter, so this has one.
    let (decode, vars) = match method.params.first() {
        Some(param) => {
            let ty = &param.ty;
            let parameter = match &param.name {
                Some(name) => format!("parameter `{name}`"),
                None => "payload parameter".to_owned(),
            };
            let message = Literal::string(&format!(
                "event payload does not fit `{}`'s {parameter}: {{__nameko_error}}",
                method.wire_name()
            ));
            // Spanned at the parameter's type: a type that does not implement
            // `Deserialize` is reported there.
            let from_value = respan(quote!(#serde_json::from_value::<#ty>), ty.span());
            let decode = quote! {
                let __nameko_arg0: #ty = #from_value(__nameko_payload).map_err(|__nameko_error| {
                    #remote_error::malformed_request(#format(#message))
                })?;
            };
            (decode, vec![format_ident!("__nameko_arg0")])
        }
        None => (TokenStream::new(), Vec::new()),
    };
    let handler = handler(p, method, &quote!(__nameko_payload: #value), &decode, &vars);
    // The payload parameter's name, when it has one: sensitive arguments start with it.
    let params: Vec<&str> = method
        .params
        .first()
        .and_then(|param| param.name.as_deref())
        .into_iter()
        .collect();
    let options = options(p, &args.worker, &params);
    let failure = &args.failure;
    let retry = match failure.retry {
        Some(r) => {
            let (max, delay, backoff, max_delay) = (
                Literal::u32_suffixed(r.max),
                Literal::u64_suffixed(r.delay_ms),
                Literal::f64_suffixed(r.backoff),
                Literal::u64_suffixed(r.max_delay_ms),
            );
            quote!(::core::option::Option::Some((#max, #delay, #backoff, #max_delay)))
        }
        None => quote!(::core::option::Option::None),
    };
    let (dead_letter, malformed) = (failure.dead_letter, failure.malformed_dead_letter);
    let limit = match failure.delivery_limit {
        Some(n) => {
            let n = Literal::u32_suffixed(n);
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #event_handler(
            #wire_name,
            #source_service,
            #event_type,
            #handler_type::#variant,
            #reliable_delivery,
            #requeue_on_error,
            #failure_policy(#retry, #dead_letter, #limit, #malformed),
            #options,
            #handler
        )
    }
}

/// `timer("method", interval_secs, eager, lease, options, handler)`, where the handler
/// calls the method with no arguments and `lease` is `None`, or for a `singleton` timer
/// nameko-amqp's `timer_lease()` (through the facade, behind its `amqp` feature).
fn timer(p: &Paths, method: &MethodModel, args: &TimerArgs) -> TokenStream {
    let timer = &p.timer;
    let wire_name = Literal::string(&method.wire_name());
    let mut interval = Literal::f64_unsuffixed(args.interval_secs);
    interval.set_span(args.interval_span);
    let eager = args.eager;
    let lease = match args.singleton {
        Some(span) => {
            let timer_lease = &p.timer_lease;
            p.require(
                Feature::Amqp,
                "`#[timer(singleton)]`",
                span,
                quote!(#timer_lease()),
            )
        }
        None => quote!(::core::option::Option::None),
    };
    let none = TokenStream::new();
    let handler = handler(p, method, &none, &none, &[]);
    let options = options(p, &args.worker, &[]);
    quote!(#timer(#wire_name, #interval, #eager, #lease, #options, #handler))
}

/// `http("method", "METHODS", "RULE", options, handler)`, where the handler binds the request and
/// the rule's values to the parameters by name, reads the other parameters from the
/// request with `FromRequest` (before the request moves into its own parameter), awaits
/// the method, and turns its output into a response, or its error into an `HttpError`.
/// `check` made sure that every parameter is the request, a rule variable whose type fits
/// the converter, or an extractor, at most one reading the body.
///
/// With an extractor or a `Json<T>` return, the entrypoint is
/// `http_documented("method", "METHODS", "RULE", options, doc, handler)`, `doc` the
/// `RouteDoc` of what the extractors read and the response's schema.
fn http(p: &Paths, method: &MethodModel, args: &HttpArgs) -> TokenStream {
    let Paths {
        http,
        request,
        path_params,
        http_box_future,
        http_result,
        extract,
        ..
    } = p;
    let wire_name = Literal::string(&method.wire_name());
    let HttpArgs {
        methods, url, rule, ..
    } = args;
    let vars: Vec<_> = (0..method.params.len())
        .map(|i| format_ident!("__nameko_arg{}", i))
        .collect();
    let is_variable = |param: &ParamModel| {
        param
            .name
            .as_deref()
            .is_some_and(|name| rule.variable(name).is_some())
    };
    let mut bind = TokenStream::new();
    let mut take_request = TokenStream::new();
    let mut extractors = Vec::new();
    for (param, var) in method.params.iter().zip(&vars) {
        let ty = &param.ty;
        // Spanned at the parameter's type: a type that is not the request's, that
        // cannot be parsed from the path (`FromStr`), or that is no extractor, is
        // reported there.
        if param.is_request() {
            // Moved last when extractors borrow it first.
            take_request = quote_spanned!(ty.span()=> let #var: #ty = __nameko_request;);
            if !method
                .params
                .iter()
                .any(|p| !p.is_request() && !is_variable(p))
            {
                bind.extend(std::mem::take(&mut take_request));
            }
        } else if is_variable(param) {
            let name = Literal::string(param.name.as_deref().unwrap_or_default());
            bind.extend(quote_spanned!(ty.span()=> let #var: #ty = __nameko_params.take(#name)?;));
        } else {
            let extract = respan(extract.clone(), ty.span());
            bind.extend(
                quote_spanned!(ty.span()=> let #var: #ty = #extract::<#ty>(&__nameko_request)?;),
            );
            extractors.push(ty);
        }
    }
    bind.extend(take_request);
    // `mut` only when a value is taken, so that the closure has no unused `mut`.
    let takes_values = method.params.iter().any(is_variable);
    let params_mut = takes_values.then(|| quote!(mut));
    let encode = http_output(p, &method.output);
    let handler = closure(
        p,
        method,
        &quote!(__nameko_request: #request, #params_mut __nameko_params: #path_params),
        &quote!(#http_box_future<#http_result>),
        &bind,
        &vars,
        &encode,
    );
    // The rule's variables, for descriptions (`--describe`); the request and the
    // extractors are no arguments.
    let params: Vec<&str> = method
        .params
        .iter()
        .filter(|param| !param.is_request() && is_variable(param))
        .map(|param| param.name.as_deref().unwrap_or_default())
        .collect();
    let options = options(p, &args.worker, &params);
    let json_response = match &method.output {
        OutputModel::Value(ty) if check_http::is_json(ty) => Some(ty),
        OutputModel::Result { ok: Some(ok), .. } if check_http::is_json(ok) => Some(&**ok),
        _ => None,
    };
    if extractors.is_empty() && json_response.is_none() {
        return quote!(#http(#wire_name, #methods, #url, #options, #handler));
    }
    let Paths {
        http_documented,
        route_doc,
        from_request,
        schema_probe,
        schema_traits,
        application_json,
        ..
    } = p;
    let documented = extractors.iter().map(|ty| {
        quote! {
            __nameko_doc.add_extractor(
                <#ty as #from_request>::reads(),
                (&&#schema_probe::<#ty>::new())
                    .__nameko_input_schema()
                    .or_else(<#ty as #from_request>::schema),
            );
        }
    });
    let response = json_response.map(|ty| {
        quote! {
            __nameko_doc.set_response(
                #application_json,
                (&&#schema_probe::<#ty>::new()).__nameko_output_schema(),
            );
        }
    });
    quote! {
        {
            #(
                #[allow(unused_imports)]
                use #schema_traits as _;
            )*
            let mut __nameko_doc = #route_doc::new();
            #(#documented)*
            #response
            #http_documented(#wire_name, #methods, #url, #options, __nameko_doc, #handler)
        }
    }
}

/// Turns `__nameko_out` into `HttpResult`: a response through `IntoHttpResponse`, and the
/// error of a `Result` through `http_error!`.
fn http_output(p: &Paths, output: &OutputModel) -> TokenStream {
    let Paths {
        into_http_result,
        http_error,
        result,
        ..
    } = p;
    match output {
        OutputModel::Unit => quote!(#into_http_result(__nameko_out)),
        OutputModel::Value(ty) => respan(quote!(#into_http_result(__nameko_out)), ty.span()),
        OutputModel::Result { ty, ok, err } => {
            let ok_span = ok.as_ref().map_or_else(|| ty.span(), Spanned::span);
            let err_span = err.as_ref().map_or_else(|| ty.span(), Spanned::span);
            let encode = respan(quote!(#into_http_result(__nameko_value)), ok_span);
            let convert = respan(quote!(#http_error(__nameko_error)), err_span);
            quote! {
                match __nameko_out {
                    #result::Ok(__nameko_value) => #encode,
                    #result::Err(__nameko_error) => #result::Err(#convert),
                }
            }
        }
    }
}

/// The handler closure of an AMQP or timer entrypoint, which returns
/// `Result<Value, MethodError>`: see [`closure`]. Binding errors are `RemoteError`s, which
/// `?` turns into `MethodError`s.
fn handler(
    p: &Paths,
    method: &MethodModel,
    params: &TokenStream,
    prepare: &TokenStream,
    vars: &[Ident],
) -> TokenStream {
    let Paths {
        box_future,
        result,
        value,
        method_error_type,
        ..
    } = p;
    let encode = encode_output(p, &method.output);
    let output = quote!(#box_future<#result<#value, #method_error_type>>);
    closure(p, method, params, &output, prepare, vars, &encode)
}

/// The handler closure of an entrypoint: it takes `params`, runs `prepare` (which binds
/// `vars`), calls the method with `vars`, and runs `encode` on its output
/// `__nameko_out`, boxed as a `Send` future of type `output`.
fn closure(
    p: &Paths,
    method: &MethodModel,
    params: &TokenStream,
    output: &TokenStream,
    prepare: &TokenStream,
    vars: &[Ident],
    encode: &TokenStream,
) -> TokenStream {
    let Paths { arc, boxed, .. } = p;
    let ident = &method.sig.ident;
    // Spanned at the method's name: a future that is not `Send` is reported there.
    let pin = respan(quote!(#boxed::pin), ident.span());
    let pinned = quote_spanned! {ident.span()=>
        #pin(async move {
            #prepare
            let __nameko_out = Self::#ident(&*__nameko_service #(, #vars)*).await;
            #encode
        })
    };
    quote! {
        {
            let __nameko_service = #arc::clone(self);
            move |#params| -> #output {
                let __nameko_service = #arc::clone(&__nameko_service);
                #pinned
            }
        }
    }
}

/// Turns `__nameko_out` into `Result<Value, MethodError>`: a value through
/// `encode_result` (whose `RemoteError` becomes a `MethodError`), the error of a `Result`
/// through `method_error!`, spanned at the error type so that an error type it cannot
/// convert is reported there.
fn encode_output(p: &Paths, output: &OutputModel) -> TokenStream {
    let Paths {
        encode_result,
        result,
        method_error,
        method_error_type,
        remote_error,
        from,
        ..
    } = p;
    let into_method_error = quote!(.map_err(<#method_error_type as #from<#remote_error>>::from));
    match output {
        OutputModel::Unit => quote!(#encode_result(__nameko_out) #into_method_error),
        OutputModel::Value(ty) => {
            let encode = respan(quote!(#encode_result(__nameko_out)), ty.span());
            quote!(#encode #into_method_error)
        }
        OutputModel::Result { ty, ok, err } => {
            let ok_span = ok.as_ref().map_or_else(|| ty.span(), Spanned::span);
            let err_span = err.as_ref().map_or_else(|| ty.span(), Spanned::span);
            let encode = respan(quote!(#encode_result(__nameko_value)), ok_span);
            let convert = respan(quote!(#method_error(__nameko_error)), err_span);
            quote! {
                match __nameko_out {
                    #result::Ok(__nameko_value) => #encode #into_method_error,
                    #result::Err(__nameko_error) => #result::Err(#convert),
                }
            }
        }
    }
}

/// `tokens` with every token's span set to `span`, so that the compiler points at the
/// user's type for the whole call, not at the `#[service]` attribute.
pub(super) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
