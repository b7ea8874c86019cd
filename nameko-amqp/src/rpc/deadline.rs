//! RPC deadlines: a call's timeout travels with its request, so that a request whose
//! caller gave up is not run when it is finally delivered (Nameko issues #360, #475, #652).
//!
//! On the wire, a request made with a timeout (a [`ClusterRpc`](crate::ClusterRpc) or
//! [`RpcProxy`](crate::RpcProxy) with `RPC_TIMEOUT`, `with_timeout`, or inside a worker
//! that has a deadline itself) carries:
//!
//! - the AMQP `expiration` property: the timeout in milliseconds, so that the broker drops
//!   the request if it waits in the queue longer than that;
//! - the header [`x-nameko-deadline`](crate::wire::DEADLINE_HEADER): the absolute deadline,
//!   integer milliseconds since the Unix epoch (an AMQP long-long).
//!
//! A call without a timeout (`RPC_TIMEOUT: null`, `without_timeout`) outside such a worker
//! carries neither, nor does a Python `ClusterRpcProxy`'s request.
//!
//! A Python service ignores both (the broker still applies `expiration` to requests for
//! it); being Python Nameko, it keeps the header as context data, as every header, and
//! sends it on as `nameko.x-nameko-deadline`, which nameko-rs does not take for a
//! deadline (see [`DEADLINE_HEADER`] for why).
//!
//! The RPC entrypoint reads the header: a request past its deadline is acknowledged and
//! dropped (no worker, no reply), logged at WARNING with how late it is and counted in
//! `nameko_rpc_expired_requests_total`; a header that is not a non-negative number of
//! milliseconds is logged and ignored (the request is served as one without a deadline).
//! The worker's [`WorkerContext::deadline`](nameko_core::WorkerContext::deadline) is the
//! request's, and every call it makes waits at most until then and sends it on: its
//! timeout is `min(its own timeout, the time left)`. The reply to a request with a deadline
//! carries an `expiration` of the time left, so that a late reply does not wait in a reply
//! queue nobody reads.
//!
//! The deadline is absolute, so that the time a request waits in the queue counts: the
//! caller's and the callee's clocks must agree (NTP), a callee whose clock is ahead drops
//! requests early by as much.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lapin::types::{AMQPValue, FieldTable, ShortString};

use crate::wire::DEADLINE_HEADER;

/// The deadline of one call, as it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    /// When the caller stops waiting.
    pub(crate) at: SystemTime,
    /// How long from sending: the call's timeout, and the request's `expiration`.
    pub(crate) ttl: Duration,
}

impl Deadline {
    /// The deadline of a call made at `now` with `timeout` (`None`: waits forever) from a
    /// worker whose own deadline is `inherited`: the earlier of the two, `None` when
    /// there is neither. A deadline already past has a `ttl` of zero.
    pub(crate) fn of_call(
        now: SystemTime,
        timeout: Option<Duration>,
        inherited: Option<SystemTime>,
    ) -> Option<Deadline> {
        let own = timeout.map(|t| now.checked_add(t).unwrap_or(far_future()));
        let at = match (own, inherited) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(Deadline {
            at,
            ttl: remaining(at, now),
        })
    }

    /// The header's value: milliseconds since the Unix epoch.
    pub(crate) fn header_value(&self) -> AMQPValue {
        AMQPValue::LongLongInt(to_millis(self.at))
    }
}

/// A time far enough in the future for a timeout too long to add to `now`.
fn far_future() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(i64::MAX as u64)
}

/// The time left at `now` until `deadline`, zero once it passed.
pub(crate) fn remaining(deadline: SystemTime, now: SystemTime) -> Duration {
    deadline.duration_since(now).unwrap_or(Duration::ZERO)
}

/// How late `now` is for `deadline`, when it has passed (reached counts as passed).
pub(crate) fn overdue(deadline: SystemTime, now: SystemTime) -> Option<Duration> {
    now.duration_since(deadline).ok()
}

/// `at` as milliseconds since the Unix epoch (0 before it, saturating far after it).
pub(crate) fn to_millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The AMQP `expiration` of a time to live: whole milliseconds, as a string.
pub(crate) fn expiration(ttl: Duration) -> ShortString {
    ttl.as_millis().to_string().into()
}

/// The deadline a request's headers carry: `Ok(None)` without the header, an error
/// saying what is wrong with one that is not a non-negative number of milliseconds since
/// the Unix epoch (an integer; a float is taken too, its fraction dropped).
pub(crate) fn from_headers(headers: Option<&FieldTable>) -> Result<Option<SystemTime>, String> {
    let Some(value) = headers.and_then(|h| h.inner().get(DEADLINE_HEADER)) else {
        return Ok(None);
    };
    let millis: Result<u64, String> = match value {
        AMQPValue::ShortShortInt(i) => non_negative(i64::from(*i)),
        AMQPValue::ShortShortUInt(i) => Ok(u64::from(*i)),
        AMQPValue::ShortInt(i) => non_negative(i64::from(*i)),
        AMQPValue::ShortUInt(i) => Ok(u64::from(*i)),
        AMQPValue::LongInt(i) => non_negative(i64::from(*i)),
        AMQPValue::LongUInt(i) => Ok(u64::from(*i)),
        AMQPValue::LongLongInt(i) => non_negative(*i),
        AMQPValue::Float(f) => float_millis(f64::from(*f)),
        AMQPValue::Double(f) => float_millis(*f),
        other => Err(format!(
            "expected integer milliseconds since the Unix epoch, got {}",
            crate::wire::amqp_to_json(other)
        )),
    };
    let millis = millis?;
    UNIX_EPOCH
        .checked_add(Duration::from_millis(millis))
        .map(Some)
        .ok_or_else(|| format!("{millis} ms since the Unix epoch is out of range"))
}

fn non_negative(i: i64) -> Result<u64, String> {
    u64::try_from(i).map_err(|_| format!("a negative deadline ({i} ms)"))
}

fn float_millis(f: f64) -> Result<u64, String> {
    if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 {
        // Truncation is the point: whole milliseconds.
        Ok(f as u64)
    } else {
        Err(format!("not a non-negative number of milliseconds: {f}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::LongString;

    fn at(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    fn headers(value: AMQPValue) -> FieldTable {
        let mut table = FieldTable::default();
        table.insert(DEADLINE_HEADER.into(), value);
        table
    }

    #[test]
    fn a_call_takes_the_earlier_of_its_timeout_and_the_inherited_deadline() {
        let now = at(1_000_000);
        let secs = Duration::from_secs;
        // Neither: no deadline, nothing sent.
        assert_eq!(Deadline::of_call(now, None, None), None);
        // Its own timeout only.
        let d = Deadline::of_call(now, Some(secs(30)), None).unwrap();
        assert_eq!((d.at, d.ttl), (at(1_030_000), secs(30)));
        // Inherited, earlier than its own: the time left.
        let d = Deadline::of_call(now, Some(secs(30)), Some(at(1_002_500))).unwrap();
        assert_eq!((d.at, d.ttl), (at(1_002_500), Duration::from_millis(2500)));
        // Inherited, later than its own: its own.
        let d = Deadline::of_call(now, Some(secs(1)), Some(at(1_002_500))).unwrap();
        assert_eq!((d.at, d.ttl), (at(1_001_000), secs(1)));
        // Without a timeout of its own (`RPC_TIMEOUT: null`), inside a worker with one.
        let d = Deadline::of_call(now, None, Some(at(1_000_400))).unwrap();
        assert_eq!((d.at, d.ttl), (at(1_000_400), Duration::from_millis(400)));
        // Inherited and past: zero left.
        let d = Deadline::of_call(now, Some(secs(30)), Some(at(999_000))).unwrap();
        assert_eq!(d.ttl, Duration::ZERO);
        // A timeout too long to add does not overflow.
        let d = Deadline::of_call(now, Some(Duration::MAX), None).unwrap();
        assert!(d.at > at(1_000_000));
        assert_eq!(d.header_value(), AMQPValue::LongLongInt(i64::MAX));
    }

    #[test]
    fn lateness_and_time_left() {
        let deadline = at(5_000);
        assert_eq!(overdue(deadline, at(4_999)), None);
        assert_eq!(overdue(deadline, at(5_000)), Some(Duration::ZERO));
        assert_eq!(
            overdue(deadline, at(7_250)),
            Some(Duration::from_millis(2250))
        );
        assert_eq!(remaining(deadline, at(4_000)), Duration::from_secs(1));
        assert_eq!(remaining(deadline, at(6_000)), Duration::ZERO);
        assert_eq!(expiration(Duration::from_millis(1500)).as_str(), "1500");
        assert_eq!(expiration(Duration::from_micros(900)).as_str(), "0");
        assert_eq!(to_millis(at(1_234)), 1_234);
        assert_eq!(to_millis(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }

    #[test]
    fn header_round_trip() {
        let d =
            Deadline::of_call(at(1_700_000_000_000), Some(Duration::from_secs(2)), None).unwrap();
        let parsed = from_headers(Some(&headers(d.header_value()))).unwrap();
        assert_eq!(parsed, Some(at(1_700_000_002_000)));
        // Absent: no deadline, no error.
        assert_eq!(from_headers(None), Ok(None));
        assert_eq!(from_headers(Some(&FieldTable::default())), Ok(None));
        // Other integer widths and a float (another client's encoding) are read.
        for value in [
            AMQPValue::LongUInt(3_000),
            AMQPValue::LongInt(3_000),
            AMQPValue::ShortUInt(3_000),
            AMQPValue::Double(3_000.9),
        ] {
            assert_eq!(from_headers(Some(&headers(value))), Ok(Some(at(3_000))));
        }
    }

    #[test]
    fn a_malformed_header_is_an_error_saying_why() {
        for (value, why) in [
            (
                AMQPValue::LongString(LongString::from("soon")),
                "got \"soon\"",
            ),
            (
                AMQPValue::LongString(LongString::from("1700000000000")),
                "expected integer",
            ),
            (AMQPValue::LongLongInt(-5), "negative"),
            (AMQPValue::Double(f64::NAN), "not a non-negative"),
            (AMQPValue::Double(-1.0), "not a non-negative"),
            (AMQPValue::Boolean(true), "got true"),
            (AMQPValue::Void, "got null"),
        ] {
            let err = from_headers(Some(&headers(value.clone()))).unwrap_err();
            assert!(err.contains(why), "{value:?}: {err}");
        }
    }
}
