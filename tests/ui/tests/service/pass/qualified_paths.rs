//! The macros work through full paths, without imports.
#![deny(warnings)]

pub struct ServiceX;

#[nameko_core::service(name = "service_x")]
impl ServiceX {
    #[nameko_core::rpc]
    async fn remote_method(&self, value: String) -> String {
        format!("{value}-x")
    }
}

fn main() {
    use nameko_core::Service;
    let service = std::sync::Arc::new(ServiceX);
    assert_eq!(service.entrypoints()[0].method_name(), "remote_method");
    assert_eq!(service.entrypoints()[0].kind(), "rpc");
}
