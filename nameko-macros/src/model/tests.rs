//! Unit tests of `model.rs`.

use super::*;
use quote::ToTokens;
use syn::parse_quote;

fn model(item: ItemImpl) -> (ServiceModel, Ctxt) {
    let mut cx = Ctxt::new();
    let model = ServiceModel::from_impl(&mut cx, None, item);
    (model, cx)
}

fn text<T: ToTokens>(t: &T) -> String {
    t.to_token_stream().to_string()
}

#[test]
fn reads_and_strips_markers() {
    let (model, cx) = model(parse_quote! {
        impl ServiceX {
            /// Docs stay.
            #[rpc]
            #[inline]
            async fn remote_method(&self, value: String, r#type: Option<u32>, _x: u8) -> String { value }
            fn helper(&self) {}
            #[nameko_core::rpc]
            async fn other(&self) {}
        }
    });
    assert!(cx.is_empty());
    assert_eq!(model.methods.len(), 2);
    let m = &model.methods[0];
    assert_eq!(m.index, 0);
    assert_eq!(m.wire_name(), "remote_method");
    let names: Vec<_> = m.params.iter().map(|p| p.name.clone().unwrap()).collect();
    assert_eq!(names, ["value", "type", "_x"]);
    assert_eq!(text(&m.params[1].ty), "Option < u32 >");
    assert!(matches!(m.output, OutputModel::Value(_)));
    assert!(matches!(m.entrypoints[0].kind, EntrypointKind::Rpc(_)));
    assert_eq!(model.methods[1].index, 2);
    assert!(matches!(model.methods[1].output, OutputModel::Unit));

    let paths: Vec<String> = model.marker_paths.iter().map(text).collect();
    assert_eq!(paths, ["rpc", "nameko_core :: rpc"]);

    let emitted = text(&model.item);
    assert!(!emitted.contains("rpc"), "{emitted}");
    assert!(emitted.contains("# [inline]"), "{emitted}");
    assert!(emitted.contains("doc"), "{emitted}");
}

#[test]
fn result_outputs() {
    let (model, _) = model(parse_quote! {
        impl S {
            #[rpc] async fn a(&self) -> Result<u32, MyError> {}
            #[rpc] async fn b(&self) -> std::io::Result<Vec<u8>> {}
            #[rpc] async fn c(&self) -> anyhow::Result {}
            #[rpc] async fn d(&self) -> Results<u32> {}
        }
    });
    let OutputModel::Result { ok, err, .. } = &model.methods[0].output else {
        panic!("a returns a Result");
    };
    assert_eq!(text(ok.as_ref().unwrap()), "u32");
    assert_eq!(text(err.as_ref().unwrap()), "MyError");
    let OutputModel::Result { ok, err, .. } = &model.methods[1].output else {
        panic!("b returns a Result");
    };
    assert_eq!(text(ok.as_ref().unwrap()), "Vec < u8 >");
    assert!(err.is_none());
    assert!(matches!(
        model.methods[2].output,
        OutputModel::Result { ok: None, .. }
    ));
    assert!(matches!(model.methods[3].output, OutputModel::Value(_)));
}

#[test]
fn non_ident_params_have_no_name() {
    let (model, _) = model(parse_quote! {
        impl S {
            #[rpc] async fn a(&self, (x, y): (u8, u8), ref z: u8) {}
        }
    });
    assert!(model.methods[0].params.iter().all(|p| p.name.is_none()));
}

#[test]
fn request_params() {
    let (model, _) = model(parse_quote! {
        impl S {
            #[http("GET", "/<v>")]
            async fn a(&self, a: Request, b: nameko_web::Request, c: &Request, d: (Request), v: String, e: Requests) {}
        }
    });
    let requests: Vec<bool> = model.methods[0]
        .params
        .iter()
        .map(ParamModel::is_request)
        .collect();
    assert_eq!(requests, [true, true, true, true, false, false]);
}

#[test]
fn every_marker_kind_and_bad_args() {
    let (model, cx) = model(parse_quote! {
        impl S {
            #[event_handler("src", "type")] async fn a(&self) {}
            #[http("GET", "/x")] async fn b(&self) {}
            #[timer(interval = 1)] async fn c(&self) {}
            #[rpc(bogus)] async fn d(&self) {}
            #[rpc] const X: u8 = 1;
        }
    });
    let kinds: Vec<_> = model
        .methods
        .iter()
        .map(|m| m.entrypoints.first().map(|e| e.kind.marker()))
        .collect();
    assert_eq!(
        kinds,
        [
            Some(Marker::EventHandler),
            Some(Marker::Http),
            Some(Marker::Timer),
            None
        ]
    );
    let messages: Vec<String> = cx
        .into_result()
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(messages.len(), 2);
    assert!(messages[0].starts_with("unknown `#[rpc]` key `bogus`"));
    assert!(messages[1].starts_with("`#[rpc]` goes on a method"));
    assert!(!text(&model.item).contains("rpc"));
}
