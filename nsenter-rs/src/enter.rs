//! The order in which namespaces are entered — in one place.
//!
//! Each [`Step`] is one `setns(2)` call: a namespace file (one type) or the
//! target's pidfd with several `CLONE_NEW*` flags at once (Linux 5.8, which
//! the kernel applies atomically, user namespace included). Steps run in
//! the fixed order **user, cgroup, ipc, uts, net, pid, mnt, time**
//! ([`NsType::ENTER_ORDER`]), in two passes:
//!
//! 1. every step that does not involve the user namespace, ignoring
//!    failures. Root entering a container keeps its privileges for these
//!    and drops them by entering the container's user namespace last;
//! 2. every step still pending, in order, failing on the first error. A
//!    user who needs the target's user namespace to gain the privilege for
//!    the rest (an unprivileged user entering its own container) failed in
//!    pass 1 and now enters the user namespace first, then the others.
//!
//! The mount namespace comes after the others because entering it changes
//! how paths resolve; all files were opened before, so it does not matter
//! for them, but it keeps the order util-linux documents. Time comes last:
//! it is the one that only matters for what we exec.

use std::io;

use nsutils_common::ns::{NsSet, NsType};

/// One `setns(2)` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The namespace types it enters.
    pub types: NsSet,
    /// Whether it goes through the target's pidfd (else a namespace file).
    pub via_pidfd: bool,
}

impl Step {
    /// Where the step sits in [`NsType::ENTER_ORDER`]: its earliest type.
    fn rank(&self) -> usize {
        self.types.first().and_then(|t| NsType::ENTER_ORDER.iter().position(|&o| o == t)).unwrap_or(usize::MAX)
    }

    fn has_user(&self) -> bool {
        self.types.contains(NsType::User)
    }
}

/// The system call behind a step (a fake in the unit tests).
pub trait Setns {
    /// Perform step number `index` of the list given to [`enter_namespaces`].
    fn setns(&mut self, index: usize) -> io::Result<()>;
}

/// The step that failed in pass 2, and why.
#[derive(Debug)]
pub struct Failure {
    /// Its index in the list given to [`enter_namespaces`].
    pub index: usize,
    /// The error of its last attempt.
    pub error: io::Error,
}

/// The order in which `steps` are tried: by [`NsType::ENTER_ORDER`].
pub fn order(steps: &[Step]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..steps.len()).collect();
    idx.sort_by_key(|&i| steps[i].rank());
    idx
}

/// Enter every step in the documented order and two passes (see the
/// module documentation).
pub fn enter_namespaces(steps: &[Step], sys: &mut impl Setns) -> Result<(), Failure> {
    let order = order(steps);
    let mut done = vec![false; steps.len()];
    for &i in &order {
        if !steps[i].has_user() && sys.setns(i).is_ok() {
            done[i] = true;
        }
    }
    for &i in &order {
        if !done[i] {
            sys.setns(i).map_err(|error| Failure { index: i, error })?;
            done[i] = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records calls; steps fail while `privileged` is false and no user
    /// namespace has been entered yet (an unprivileged caller), or always
    /// when listed in `broken`.
    struct Fake<'a> {
        steps: &'a [Step],
        privileged: bool,
        broken: Vec<usize>,
        calls: Vec<(usize, bool)>,
    }

    impl Setns for Fake<'_> {
        fn setns(&mut self, i: usize) -> io::Result<()> {
            let ok = !self.broken.contains(&i) && (self.privileged || self.steps[i].has_user());
            self.calls.push((i, ok));
            if ok {
                if self.steps[i].has_user() {
                    self.privileged = true;
                }
                Ok(())
            } else {
                Err(io::Error::from_raw_os_error(libc::EPERM))
            }
        }
    }

    fn file(t: NsType) -> Step {
        Step { types: NsSet::of(t), via_pidfd: false }
    }

    #[test]
    fn root_enters_the_user_namespace_last() {
        use NsType::*;
        let steps: Vec<Step> = [Mnt, Time, User, Net, Cgroup, Pid, Ipc, Uts].into_iter().map(file).collect();
        let mut f = Fake { steps: &steps, privileged: true, broken: vec![], calls: vec![] };
        enter_namespaces(&steps, &mut f).unwrap();
        let entered: Vec<NsType> = f.calls.iter().map(|&(i, _)| steps[i].types.first().unwrap()).collect();
        assert_eq!(entered, vec![Cgroup, Ipc, Uts, Net, Pid, Mnt, Time, User]);
        assert!(f.calls.iter().all(|&(_, ok)| ok));
    }

    #[test]
    fn an_unprivileged_caller_enters_the_user_namespace_first() {
        use NsType::*;
        let steps: Vec<Step> = [Net, User, Mnt].into_iter().map(file).collect();
        let mut f = Fake { steps: &steps, privileged: false, broken: vec![], calls: vec![] };
        enter_namespaces(&steps, &mut f).unwrap();
        let calls: Vec<(NsType, bool)> = f.calls.iter().map(|&(i, ok)| (steps[i].types.first().unwrap(), ok)).collect();
        assert_eq!(calls, vec![(Net, false), (Mnt, false), (User, true), (Net, true), (Mnt, true)]);
    }

    #[test]
    fn a_pidfd_step_with_the_user_namespace_waits_for_pass_two() {
        use NsType::*;
        let steps = vec![Step { types: NsSet::from_iter([User, Ipc, Mnt]), via_pidfd: true }, file(Net)];
        let mut f = Fake { steps: &steps, privileged: true, broken: vec![], calls: vec![] };
        enter_namespaces(&steps, &mut f).unwrap();
        // the net file is entered while still privileged
        assert_eq!(f.calls, vec![(1, true), (0, true)]);
    }

    #[test]
    fn pass_two_fails_hard_on_the_first_error() {
        use NsType::*;
        let steps: Vec<Step> = [Uts, Net, Mnt].into_iter().map(file).collect();
        let mut f = Fake { steps: &steps, privileged: true, broken: vec![1], calls: vec![] };
        let e = enter_namespaces(&steps, &mut f).unwrap_err();
        assert_eq!(e.index, 1);
        assert_eq!(e.error.raw_os_error(), Some(libc::EPERM));
        // pass 1: uts, net (fails, ignored), mnt; pass 2: net again, fails
        assert_eq!(f.calls, vec![(0, true), (1, false), (2, true), (1, false)]);
    }

    #[test]
    fn order_ranks_a_multi_type_step_by_its_earliest_type() {
        use NsType::*;
        let steps = vec![file(Mnt), Step { types: NsSet::from_iter([Time, Uts]), via_pidfd: true }, file(Cgroup)];
        assert_eq!(order(&steps), vec![2, 1, 0]);
    }
}
