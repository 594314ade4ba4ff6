//! The IPC tools of nsutils: `ipcmk-rs`, `ipcs-rs` and `ipcrm-rs`, with the
//! System V and POSIX IPC code they share.
//!
//! * [`sysv`] — System V objects: listing (`/proc/sysvipc` or the `*ctl`
//!   calls), limits, usage, creation and removal.
//! * [`posix`] — POSIX shared memory, message queues and semaphores.
//! * [`size`] — util-linux's size syntax (`1.5K`, `1KB`) and `--human` sizes.
//! * [`timefmt`] — `ctime(3)` text in the local time zone.
//! * [`ipcmk`], [`ipcs`], [`ipcrm`] — the three programs.
#![warn(missing_docs)]

pub mod ipcmk;
pub mod ipcrm;
pub mod ipcs;
pub mod posix;
pub mod size;
pub mod sysv;
pub mod timefmt;
