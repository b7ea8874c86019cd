//! placeholder
use proc_macro::TokenStream;
/// x
#[proc_macro_attribute]
pub fn service(_a: TokenStream, i: TokenStream) -> TokenStream { i }
/// x
#[proc_macro_attribute]
pub fn rpc(_a: TokenStream, i: TokenStream) -> TokenStream { i }
/// x
#[proc_macro_attribute]
pub fn event_handler(_a: TokenStream, i: TokenStream) -> TokenStream { i }
/// x
#[proc_macro_attribute]
pub fn http(_a: TokenStream, i: TokenStream) -> TokenStream { i }
/// x
#[proc_macro_attribute]
pub fn timer(_a: TokenStream, i: TokenStream) -> TokenStream { i }
