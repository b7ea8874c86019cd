//! [`Body`]: the body of a [`Response`](crate::Response), the [`http_body::Body`] that
//! the server hands to hyper; and [`IntoBody`], the strings and bytes a body is made of.
//!
//! ```
//! use nameko_web::Body;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), nameko_web::body::BodyError> {
//! let body = Body::from("hello");
//! assert_eq!(body.to_bytes().await?, "hello");
//!
//! // Any `http_body::Body` of `Bytes`, such as a stream of frames.
//! let body = Body::new(http_body_util::Full::new(bytes::Bytes::from("streamed")));
//! assert_eq!(body.to_bytes().await?, "streamed");
//! # Ok(()) }
//! ```

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use nameko_core::BoxError;

/// The error of a [`Body`] whose frames failed to come (a streamed body's source failed).
/// Bodies made of strings or bytes never fail.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BodyError(BoxError);

impl BodyError {
    /// The error of the body's source.
    pub fn into_inner(self) -> BoxError {
        self.0
    }
}

/// The body of a [`Response`](crate::Response): bytes in full (strings, `Vec<u8>`,
/// [`Bytes`]), or any [`http_body::Body`] of `Bytes` (through [`Body::new`]).
///
/// It is an [`http_body::Body`] itself, so hyper (or any code built on `http-body`) can
/// send it; [`to_bytes`](Self::to_bytes) reads it in full.
pub struct Body(Kind);

enum Kind {
    /// Bytes in full: no allocation beyond the bytes themselves.
    Full(Full<Bytes>),
    /// Any other body.
    Boxed(UnsyncBoxBody<Bytes, BodyError>),
}

impl Body {
    /// A body from any [`http_body::Body`] of `Bytes`; its error is kept as the source of
    /// a [`BodyError`].
    pub fn new<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        // A `Body` already: used as is, not boxed again.
        let mut slot = Some(body);
        if let Some(body) = (&mut slot as &mut dyn Any)
            .downcast_mut::<Option<Body>>()
            .and_then(Option::take)
        {
            return body;
        }
        match slot {
            Some(body) => Body(Kind::Boxed(
                body.map_err(|e| BodyError(e.into())).boxed_unsync(),
            )),
            None => Body::empty(),
        }
    }

    /// The empty body.
    pub fn empty() -> Self {
        Body::full(Bytes::new())
    }

    fn full(bytes: Bytes) -> Self {
        Body(Kind::Full(Full::new(bytes)))
    }

    /// Reads the whole body.
    pub async fn to_bytes(self) -> Result<Bytes, BodyError> {
        Ok(self.collect().await?.to_bytes())
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            Kind::Full(_) => "full",
            Kind::Boxed(_) => "boxed",
        };
        f.debug_tuple("Body").field(&kind).finish()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match &mut self.get_mut().0 {
            Kind::Full(full) => Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            Kind::Boxed(boxed) => Pin::new(boxed).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(full) => full.is_end_stream(),
            Kind::Boxed(boxed) => boxed.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(full) => full.size_hint(),
            Kind::Boxed(boxed) => boxed.size_hint(),
        }
    }
}

/// A response body: strings and bytes.
pub trait IntoBody {
    /// The bytes of the body.
    fn into_body(self) -> Bytes;
}

impl IntoBody for String {
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoBody for &'static str {
    fn into_body(self) -> Bytes {
        Bytes::from_static(self.as_bytes())
    }
}

impl IntoBody for Cow<'static, str> {
    fn into_body(self) -> Bytes {
        match self {
            Cow::Borrowed(s) => Bytes::from_static(s.as_bytes()),
            Cow::Owned(s) => Bytes::from(s),
        }
    }
}

impl IntoBody for Vec<u8> {
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoBody for &'static [u8] {
    fn into_body(self) -> Bytes {
        Bytes::from_static(self)
    }
}

impl IntoBody for Bytes {
    fn into_body(self) -> Bytes {
        self
    }
}

/// `()` is an empty body.
impl IntoBody for () {
    fn into_body(self) -> Bytes {
        Bytes::new()
    }
}

macro_rules! from_into_body {
    ($($t:ty),*) => {$(
        impl From<$t> for Body {
            fn from(value: $t) -> Self {
                Body::full(value.into_body())
            }
        }
    )*};
}

from_into_body!(
    String,
    &'static str,
    Cow<'static, str>,
    Vec<u8>,
    &'static [u8],
    Bytes,
    ()
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use http_body::Body as _;

    #[tokio::test]
    async fn bodies() {
        let body = Body::from(String::from("abc"));
        assert_eq!(body.size_hint().exact(), Some(3));
        assert!(!body.is_end_stream());
        assert_eq!(body.to_bytes().await.unwrap(), "abc");

        let empty = Body::empty();
        assert!(empty.is_end_stream());
        assert_eq!(empty.size_hint().exact(), Some(0));
        assert_eq!(Body::from(()).to_bytes().await.unwrap(), "");

        let boxed = Body::new(String::from("boxed"));
        assert!(matches!(boxed.0, Kind::Boxed(_)));
        assert_eq!(boxed.size_hint().exact(), Some(5));
        assert_eq!(boxed.to_bytes().await.unwrap(), "boxed");

        // A `Body` is not boxed again.
        let again = Body::new(Body::from("full"));
        assert!(matches!(again.0, Kind::Full(_)));
        assert_eq!(again.to_bytes().await.unwrap(), "full");
    }

    #[tokio::test]
    async fn errors() {
        struct Failing;
        impl http_body::Body for Failing {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
                Poll::Ready(Some(Err(std::io::Error::other("gone"))))
            }
        }
        let err = Body::new(Failing).to_bytes().await.unwrap_err();
        assert_eq!(err.to_string(), "gone");
        assert!(err.into_inner().downcast::<std::io::Error>().is_ok());
    }
}
