//! The broker-free test kit. (Being built.)
