//! The nsutils integration-test harness.
//!
//! Tests run the *built binaries* as subprocesses against the real kernel;
//! they never call `unshare`/`setns` in the test process itself (test
//! threads share it). The pieces:
//!
//! * [`Cmd`] — run a binary with args, env, stdin, another uid, or another
//!   `argv[0]`; [`Output`] — assert on stdout, stderr and the exit status,
//!   printing everything when an assertion fails.
//! * [`tool`], [`util_linux`], [`ul_named`] — our binaries, the installed
//!   util-linux ones, and ours under util-linux's name (a symlink), which
//!   makes messages byte-comparable.
//! * [`Sandbox`] — a process holding private namespaces (IPC, net, mount…)
//!   that commands run inside via `nsenter`; killing it on drop removes
//!   everything made inside, even when the test fails.
//! * [`NetnsGuard`], [`unique_name`] — named network namespaces that are
//!   deleted on drop.
//! * [`require_root`] (which names the running test itself), [`skip`] —
//!   privileged tests say loudly when they cannot run; with `CI=true` as
//!   root a skip is a failure.
//! * [`differential`] / [`assert_same`] — the same argv through ours,
//!   `/usr/bin/<tool>` (2.38.1) and util-linux upstream HEAD's own binary
//!   (`$NSUTILS_UL_HEAD`, the target), comparing stdout, exit status and
//!   stderr: with both where they agree, with HEAD where they differ.
//!   [`differential_head`], [`util_linux_head`] — HEAD alone.
//! * [`Sleeper`] — a long-lived target process (`unshare … sleep`), killed
//!   with its holder on drop; [`TempDir::private`] — a temp dir that is a
//!   private mount, for namespace bind mounts.
//! * Leftover checks: [`processes_with_env`] (whatever still carries a
//!   marker variable), [`zombies`], [`proc_state`], [`mount_table`]
//!   (mounts, without other test processes' [`is_foreign`] ones),
//!   [`mount_points`], [`is_mounted`].
//! * [`without_hints`], [`without_proc_pids`] — normalizers for comparing
//!   stderr with util-linux's.

// One module per concern; everything is re-exported here, so tests name
// `nsutils_tests::Cmd`, `nsutils_tests::Sandbox`, … whatever the module.
mod binaries;
pub mod cli;
mod cmd;
pub mod complete;
pub mod container;
mod differential;
mod environment;
pub mod errors;
pub mod fallbacks;
pub mod head;
pub mod hostile;
mod leftovers;
pub mod limits;
pub mod mounts;
mod names;
pub mod oci;
mod sandbox;
pub mod seccomp;
pub mod shells;
pub mod subids;
pub mod suite;
mod tempdir;

pub use binaries::{
    bin_dir, helper_path, linked_statically, symlink_as, tool, tool_path, ul_named, ul_named_path, util_linux,
    util_linux_path, TOOLS,
};
pub use cli::specs;
pub use cmd::{shell_quote, Cmd, Output, Watchdog, NOBODY, STD_PATH};
pub use differential::{assert_same, assert_same_with, differential, without_hints, without_proc_pids};
pub use environment::{env_count, in_ci, is_root, require_root, skip, test_name};
pub use head::{differential_head, head_dir, util_linux_head};
pub use leftovers::{
    children_of, comm_of, is_mounted, mount_points, mount_table, ns_link, proc_state, processes_with_env, zombies,
};
pub use names::{is_foreign, unique_name};
pub use sandbox::{wait_until, ChildGuard, NetnsGuard, Sandbox, Sleeper};
pub use tempdir::TempDir;
