//! Running out of memory ends a tool the way it ends util-linux's.
//!
//! Rust's default answer to a failed allocation is an abort (SIGABRT, and a
//! `memory allocation of N bytes failed` line), which reads as a crash to
//! whoever runs the tool under `RLIMIT_AS` or a cgroup memory limit.
//! util-linux's allocation wrappers print `<prog>: cannot allocate N bytes:
//! Cannot allocate memory` and exit with status 1; [`Alloc`] does the same,
//! as the global allocator of each tool binary ([`tool_main!`](crate::tool_main)
//! installs it). Nothing on the way out allocates: the message is written
//! from a stack buffer and the process ends with `_exit(2)`.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, with util-linux's ending when it fails.
pub struct Alloc;

// SAFETY: every call is passed to `System` unchanged; only a null result
// is intercepted, and it ends the process instead of returning.
unsafe impl GlobalAlloc for Alloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc_zeroed`, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract for `dealloc`, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc`, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

/// `<prog>: cannot allocate N bytes: Cannot allocate memory`, then `_exit(1)`.
#[cold]
fn out_of_memory(size: usize) -> ! {
    let mut buf = [0u8; 512];
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        let n = bytes.len().min(buf.len() - len);
        buf[len..len + n].copy_from_slice(&bytes[..n]);
        len += n;
    };
    // the name is set before anything big is allocated; its escapes are
    // not turned back into bytes here (that would allocate)
    put(crate::prog::name().as_bytes());
    put(b": cannot allocate ");
    let mut digits = [0u8; 20];
    put(crate::parse::decimal_digits(size as u64, &mut digits));
    put(b" bytes: Cannot allocate memory\n");
    // SAFETY: writing our own stack buffer to fd 2, then ending the process
    // without running anything that could allocate.
    unsafe {
        libc::write(2, buf.as_ptr().cast(), len);
        libc::_exit(1)
    }
}
