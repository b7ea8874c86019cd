//! The macros work through full paths, without imports.
#![deny(warnings)]

pub struct ServiceX;

#[nameko::service(name = "service_x")]
impl ServiceX {
    #[nameko::rpc]
    async fn remote_method(&self, value: String) -> String {
        format!("{value}-x")
    }
}

fn main() {
    use nameko::Service;
    let service = std::sync::Arc::new(ServiceX);
    assert_eq!(service.entrypoints()[0].method_name(), "remote_method");
    assert_eq!(service.entrypoints()[0].kind(), "rpc");
}
