//! The IPC tools of nsutils: `ipcmk-rs`, `ipcs-rs` and `ipcrm-rs`, with the
//! System V and POSIX IPC code they share.

pub mod ipcmk;
pub mod ipcrm;
pub mod ipcs;
