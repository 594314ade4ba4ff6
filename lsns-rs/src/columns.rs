//! lsns' thirteen columns and util-linux's column-list syntax (`-o LIST`,
//! `-o +LIST`).

use nsutils_common::table::Column;

/// One output column of lsns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    /// Namespace inode number.
    Ns,
    /// Namespace type name.
    Type,
    /// `/proc/PID/ns/TYPE` of the process shown.
    Path,
    /// Number of processes in the namespace.
    Nprocs,
    /// Lowest PID in the namespace (or the process shown).
    Pid,
    /// Parent PID of that process.
    Ppid,
    /// Its command line.
    Command,
    /// Its owner uid.
    Uid,
    /// Its owner's name.
    User,
    /// The id the current network namespace gives a network namespace.
    Netnsid,
    /// Where the namespace is bind-mounted.
    Nsfs,
    /// Parent namespace inode.
    Pns,
    /// Owning user namespace inode.
    Ons,
}

struct Info {
    col: Col,
    name: &'static str,
    help: &'static str,
    number: bool,
}

const INFO: [Info; 13] = [
    Info { col: Col::Ns, name: "NS", help: "namespace inode number", number: true },
    Info { col: Col::Type, name: "TYPE", help: "type of the namespace", number: false },
    Info { col: Col::Path, name: "PATH", help: "/proc path of the namespace", number: false },
    Info { col: Col::Nprocs, name: "NPROCS", help: "how many processes are in it", number: true },
    Info { col: Col::Pid, name: "PID", help: "lowest process ID in it", number: true },
    Info { col: Col::Ppid, name: "PPID", help: "parent process ID of that process", number: true },
    Info { col: Col::Command, name: "COMMAND", help: "command line of that process", number: false },
    Info { col: Col::Uid, name: "UID", help: "user ID owning that process", number: true },
    Info { col: Col::User, name: "USER", help: "user name owning that process", number: false },
    Info { col: Col::Netnsid, name: "NETNSID", help: "ID of a network namespace seen from ours", number: false },
    Info { col: Col::Nsfs, name: "NSFS", help: "where the namespace is bind-mounted (nsfs)", number: false },
    Info { col: Col::Pns, name: "PNS", help: "parent namespace inode number", number: true },
    Info { col: Col::Ons, name: "ONS", help: "owning user namespace inode number", number: true },
];

/// Every column's name, in lsns' order: what `-o` accepts (whatever the
/// case) and the completions offer.
pub const NAMES: [&str; INFO.len()] = {
    let mut names = [""; INFO.len()];
    let mut i = 0;
    while i < INFO.len() {
        names[i] = INFO[i].name;
        i += 1;
    }
    names
};

/// At most this many columns may be listed (util-linux: twice the number
/// of columns; more makes lsns fail without a message).
pub const MAX_COLUMNS: usize = 2 * INFO.len();

impl Col {
    /// Every column, in lsns' order (`--output-all`).
    pub const ALL: [Col; 13] = [
        Col::Ns,
        Col::Type,
        Col::Path,
        Col::Nprocs,
        Col::Pid,
        Col::Ppid,
        Col::Command,
        Col::Uid,
        Col::User,
        Col::Netnsid,
        Col::Nsfs,
        Col::Pns,
        Col::Ons,
    ];

    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// The header, e.g. `NPROCS`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// One line saying what the column shows (`--list-columns`).
    pub fn help(self) -> &'static str {
        self.info().help
    }

    /// Whether the column holds numbers (JSON numbers, right-aligned).
    pub fn is_number(self) -> bool {
        self.info().number
    }

    /// The column named `name`, case-insensitively.
    pub fn from_name(name: &str) -> Option<Col> {
        INFO.iter().find(|i| i.name.eq_ignore_ascii_case(name)).map(|i| i.col)
    }

    /// The table column with lsns' layout: numbers right-aligned, widths
    /// hinted as upstream, COMMAND truncatable (unless `-u`), NSFS
    /// multi-line (unless `-W`/`-r`).
    pub fn layout(self, notruncate: bool, nowrap: bool) -> Column {
        let c = Column::new(self.name());
        let c = if self.is_number() { c.number() } else { c };
        match self {
            Col::Ns | Col::Pns | Col::Ons => c.right().hint(10),
            Col::Nprocs | Col::Pid | Col::Ppid => c.right().hint(5),
            Col::Type => c.hint(5),
            Col::Uid | Col::Netnsid => c.right(),
            Col::Command if !notruncate => c.truncate(),
            Col::Nsfs if !nowrap => c.multiline(),
            _ => c,
        }
    }
}

/// Add the columns of a `-o` list to `cols` the way util-linux's
/// `string_add_to_idarray()` does: a leading `+` appends, otherwise the list
/// replaces; names are case-insensitive and comma-separated.
///
/// Errors: an unknown name gives `Some("unknown column: <rest of the list
/// from that name>")`; an empty list, an empty item or too many columns give
/// `None`: upstream fails on them without a message.
pub fn add_list(list: &str, cols: &mut Vec<Col>) -> Result<(), Option<String>> {
    let silent = || None;
    let list = match list.strip_prefix('+') {
        Some(rest) => rest,
        None => {
            cols.clear();
            list
        }
    };
    if list.is_empty() {
        return Err(silent());
    }
    let mut rest = list;
    loop {
        // the last item runs to the end, so a trailing comma stays in it
        let (item, next) = match rest.find(',') {
            Some(p) if p + 1 < rest.len() => (&rest[..p], Some(&rest[p + 1..])),
            _ => (rest, None),
        };
        if item.is_empty() {
            return Err(silent());
        }
        if cols.len() >= MAX_COLUMNS {
            return Err(silent());
        }
        match Col::from_name(item) {
            Some(c) => cols.push(c),
            None => return Err(Some(format!("unknown column: {rest}"))),
        }
        match next {
            Some(n) => rest = n,
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &str, start: &[Col]) -> Result<Vec<Col>, String> {
        let mut v = start.to_vec();
        add_list(list, &mut v).map(|_| v).map_err(Option::unwrap_or_default)
    }

    #[test]
    fn names_are_case_insensitive_and_lists_replace_or_append() {
        assert_eq!(parse("ns,Type", &[Col::Pid]), Ok(vec![Col::Ns, Col::Type]));
        assert_eq!(parse("+PATH,ppid", &[Col::Ns]), Ok(vec![Col::Ns, Col::Path, Col::Ppid]));
    }

    #[test]
    fn unknown_names_show_the_rest_of_the_list() {
        assert_eq!(parse("NS,foo", &[]), Err("unknown column: foo".into()));
        assert_eq!(parse("foo,NS", &[]), Err("unknown column: foo,NS".into()));
        assert_eq!(parse("NS,", &[]), Err("unknown column: NS,".into()));
    }

    #[test]
    fn empty_items_and_too_many_fail_silently() {
        for l in ["", "+", "NS,,TYPE", ",NS"] {
            assert_eq!(parse(l, &[]), Err(String::new()), "{l:?}");
        }
        let many = vec!["NS"; MAX_COLUMNS].join(",");
        assert_eq!(parse(&many, &[]).unwrap().len(), MAX_COLUMNS);
        assert_eq!(parse(&format!("{many},NS"), &[]), Err(String::new()));
    }

    #[test]
    fn table_is_in_order_and_typed() {
        for (i, c) in Col::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
            assert_eq!(Col::from_name(c.name()), Some(*c));
        }
        assert!(Col::Ns.is_number() && !Col::Netnsid.is_number());
        let l = Col::Command.layout(false, false);
        assert!(l.truncate && !Col::Command.layout(true, false).truncate);
        assert!(Col::Nsfs.layout(false, false).multiline && !Col::Nsfs.layout(false, true).multiline);
    }
}
