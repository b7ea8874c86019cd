use nameko::service;

#[service(name = "service_x")]
pub struct ServiceX;

fn main() {}
