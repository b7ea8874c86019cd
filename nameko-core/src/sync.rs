//! Locks a panic does not poison.
//!
//! A worker's panic is caught and answered, and the service goes on serving; a
//! `std::sync::Mutex` held by the panicking code would otherwise stay poisoned and fail
//! every later worker. The state these locks guard in nameko-rs is valid between any two
//! statements, so the guard is taken back from the poison. Transports and extensions
//! use the same functions.
//!
//! ```
//! use std::sync::Mutex;
//! use nameko_core::sync::lock;
//!
//! let calls = Mutex::new(0);
//! *lock(&calls) += 1;
//! assert_eq!(*lock(&calls), 1);
//! ```

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks `mutex`, poisoned or not.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Read-locks `lock`, poisoned or not.
pub fn read<T: ?Sized>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Write-locks `lock`, poisoned or not.
pub fn write<T: ?Sized>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn a_panic_does_not_poison() {
        let m = Arc::new(Mutex::new(1));
        let m2 = Arc::clone(&m);
        let _ = std::thread::spawn(move || {
            let _guard = m2.lock();
            panic!("in the lock");
        })
        .join();
        assert!(m.is_poisoned());
        assert_eq!(*lock(&m), 1);
    }
}
