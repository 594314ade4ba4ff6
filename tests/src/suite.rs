//! Helpers shared by the test files of several tools (the IPC tools'
//! files and the cross-tool suites); [`ipc`] holds the IPC fixtures.

pub mod ipc;
