//! The id our network namespace gives another one (`ip netns list-id`,
//! `ip -o link` "link-netnsid"): an `RTM_GETNSID` request with a
//! `NETNSA_FD` attribute on a `NETLINK_ROUTE` socket (`rtnetlink(7)`,
//! `<linux/net_namespace.h>`), written by hand to stay dependency-free.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{recv, send, socket, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType};

/// `RTM_NEWNSID` (`<linux/rtnetlink.h>`): the reply type.
const RTM_NEWNSID: u16 = 88;
/// `RTM_GETNSID` (`<linux/rtnetlink.h>`): the request type.
const RTM_GETNSID: u16 = 90;
/// `NETNSA_NSID` (`<linux/net_namespace.h>`): the id, an `s32`.
const NETNSA_NSID: u16 = 1;
/// `NETNSA_FD` (`<linux/net_namespace.h>`): a netns fd, a `u32`.
const NETNSA_FD: u16 = 3;
/// `NLMSG_ERROR` (`<linux/netlink.h>`).
const NLMSG_ERROR: u16 = 2;
/// `NLM_F_REQUEST` (`<linux/netlink.h>`).
const NLM_F_REQUEST: u16 = 1;
const NLMSG_HDRLEN: usize = 16;

/// An open `NETLINK_ROUTE` socket for nsid queries.
pub struct NsidQuery {
    sock: OwnedFd,
    seq: u32,
}

impl NsidQuery {
    /// Open the socket (close-on-exec).
    pub fn new() -> io::Result<NsidQuery> {
        let sock = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkRoute)?;
        Ok(NsidQuery { sock, seq: 0 })
    }

    /// The id of the network namespace `netns` in ours: `Some(-1)` when
    /// none is assigned (lsns' `unassigned`), `None` when the kernel
    /// refuses to tell.
    pub fn id_of(&mut self, netns: BorrowedFd<'_>) -> Option<i32> {
        self.seq = self.seq.wrapping_add(1);
        let req = request(self.seq, netns.as_raw_fd() as u32);
        // to the kernel: the socket's default address (pid 0)
        if send(self.sock.as_raw_fd(), &req, MsgFlags::empty()) != Ok(req.len()) {
            return None;
        }
        let mut buf = [0u8; 1024];
        loop {
            let n = match recv(self.sock.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(_) => return None,
            };
            match parse_reply(&buf[..n], self.seq) {
                Reply::Id(id) => return Some(id),
                Reply::Failed => return None,
                Reply::Other => continue,
            }
        }
    }
}

/// nlmsghdr + rtgenmsg (padded to 4) + one rtattr carrying the fd.
fn request(seq: u32, fd: u32) -> [u8; 28] {
    let mut m = [0u8; 28];
    m[0..4].copy_from_slice(&28u32.to_ne_bytes());
    m[4..6].copy_from_slice(&RTM_GETNSID.to_ne_bytes());
    m[6..8].copy_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    // pid 0: the kernel; rtgen_family AF_UNSPEC and padding stay 0
    m[20..22].copy_from_slice(&8u16.to_ne_bytes());
    m[22..24].copy_from_slice(&NETNSA_FD.to_ne_bytes());
    m[24..28].copy_from_slice(&fd.to_ne_bytes());
    m
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Id(i32),
    Failed,
    Other,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Find our answer among the messages of one datagram.
fn parse_reply(mut b: &[u8], seq: u32) -> Reply {
    while b.len() >= NLMSG_HDRLEN {
        let (Some(len), Some(ty), Some(mseq)) = (u32_at(b, 0), u16_at(b, 4), u32_at(b, 8)) else { break };
        let len = len as usize;
        if len < NLMSG_HDRLEN || len > b.len() {
            break;
        }
        if mseq == seq {
            if ty == NLMSG_ERROR {
                return Reply::Failed;
            }
            if ty == RTM_NEWNSID {
                // rtgenmsg padded to 4 bytes, then attributes
                let mut attrs = &b[NLMSG_HDRLEN + 4..len];
                while attrs.len() >= 4 {
                    let alen = u16_at(attrs, 0).unwrap_or(0) as usize;
                    let aty = u16_at(attrs, 2).unwrap_or(0);
                    if alen < 4 || alen > attrs.len() {
                        break;
                    }
                    if aty == NETNSA_NSID && alen >= 8 {
                        return Reply::Id(u32_at(attrs, 4).unwrap_or(u32::MAX) as i32);
                    }
                    attrs = &attrs[(alen + 3) & !3..];
                }
                return Reply::Failed;
            }
        }
        b = &b[((len + 3) & !3).min(b.len())..];
    }
    Reply::Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn request_layout() {
        let r = request(7, 5);
        assert_eq!(u32_at(&r, 0), Some(28));
        assert_eq!(u16_at(&r, 4), Some(RTM_GETNSID));
        assert_eq!(u32_at(&r, 8), Some(7));
        assert_eq!(u16_at(&r, 22), Some(NETNSA_FD));
        assert_eq!(u32_at(&r, 24), Some(5));
    }

    #[test]
    fn replies() {
        let mut m = vec![0u8; 28];
        m[0..4].copy_from_slice(&28u32.to_ne_bytes());
        m[4..6].copy_from_slice(&RTM_NEWNSID.to_ne_bytes());
        m[8..12].copy_from_slice(&3u32.to_ne_bytes());
        m[20..22].copy_from_slice(&8u16.to_ne_bytes());
        m[22..24].copy_from_slice(&NETNSA_NSID.to_ne_bytes());
        m[24..28].copy_from_slice(&(-1i32).to_ne_bytes());
        assert_eq!(parse_reply(&m, 3), Reply::Id(-1));
        assert_eq!(parse_reply(&m, 4), Reply::Other);
        m[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        assert_eq!(parse_reply(&m, 3), Reply::Failed);
        assert_eq!(parse_reply(&m[..10], 3), Reply::Other);
    }

    #[test]
    fn our_own_namespace_has_no_id_or_a_valid_one() {
        let ns = nsutils_common::ns::NsFile::open_proc(None, nsutils_common::ns::NsType::Net, false).unwrap();
        let mut q = NsidQuery::new().unwrap();
        // our own netns is never given an id by itself unless someone set one
        let id = q.id_of(ns.as_fd());
        assert!(matches!(id, Some(n) if n >= -1), "{id:?}");
    }
}
