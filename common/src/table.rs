//! Tables printed the way util-linux's libsmartcols prints them
//! (`lsns(8)`, `lsblk(8)`, `findmnt(8)`; `scols_print_table()`).
//!
//! A [`Table`] holds named [`Column`]s and rows of byte-string cells, rows
//! optionally forming a tree. [`Table::print`] writes it in one of three
//! [`Format`]s with libsmartcols' exact bytes:
//!
//! * **table** — columns separated by one space, right- or left-aligned,
//!   the last column not padded (a right-aligned last column still is);
//!   widths as below. Non-printable bytes are shown as `\xHH` (UTF-8
//!   characters kept in a UTF-8 locale), and a backslash before `x` as
//!   `\x5c`, so that the text unescapes to the original bytes. Multi-line
//!   cells ([`Column::multiline`]) print their extra lines on continuation
//!   lines, blank elsewhere but for the tree's vertical lines.
//! * **raw** — cells separated by one space, every blank, backslash and
//!   non-printable byte (UTF-8 included) written as `\xHH`, tree art too.
//! * **JSON** — `{ "<root>": [ {…},{…} ] }` with 3-space indentation,
//!   lower-case column names as keys, numbers unquoted, empty cells `null`,
//!   children of a tree row in a `"children"` array.
//!
//! An empty table prints nothing (JSON: an empty array).
//!
//! # Column widths
//!
//! As libsmartcols sizes them since 2.42.2 (util-linux HEAD), learnt from
//! its output on pipes and terminals of 5 to 200 columns:
//!
//! 1. A column's *data width* is its widest cell in display cells (tree
//!    art included; a multi-line cell's widest line); its *header width*
//!    is its header's, or 0 with `--noheadings`.
//! 2. If the data is wider than the header, and than 1, but narrower than
//!    the column's width hint, the column is as wide as the hint;
//!    otherwise it is as wide as the wider of data and header. (A hint
//!    never widens a column whose data fit under its header: `TYPE` of
//!    `user` rows stays 4 wide on a pipe; nor one-cell data without a
//!    header: `-n -o PID` of PID 1 is 1 wide, of PID 22 is 5.) That is the
//!    whole rule when stdout is not a terminal.
//! 3. On a terminal ([`Style::term_width`]) whose width the table exceeds,
//!    [`Column::truncate`] columns are shortened, the rightmost first, to
//!    no less than their header width (and 1); if they cannot shorten
//!    enough, the lines overflow.
//! 4. On a terminal with room to spare, the spare cells go to the columns
//!    narrower than their hint: one cell to each such column from the
//!    right to the left, round after round, until every hinted column has
//!    its hint or the line is as wide as the terminal. Nothing else widens.
//!
//! So with cells `0` under `PNS` (hint 10) and `1` under `PID` (hint 5),
//! both columns are 3 wide on a pipe and on a terminal of 7; on one of 8
//! `PID` is 4; of 9, `PNS` is 4 too; of 10, `PID` has its 5; from 16 on,
//! `PNS` has its 10.
//!
//! Cells live in one byte buffer (no allocation per row or cell); rows are
//! added with [`Table::add_row`] and filled with [`Table::push`] /
//! [`Table::push_display`] in column order.

use std::fmt::Display;
use std::io::{self, Write};
use std::os::fd::AsRawFd;

/// How a column's cells are aligned in the table format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text columns (the default).
    Left,
    /// Numbers (`SCOLS_FL_RIGHT`).
    Right,
}

/// How a non-empty cell is written in JSON (`scols_column_set_json_type()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    /// A quoted, escaped string.
    String,
    /// The cell's text unquoted (the caller guarantees it is a number).
    Number,
    /// The cell's text unquoted (`true`/`false`).
    Boolean,
}

/// One column: its header and how its cells are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The header, e.g. `NPROCS`.
    pub name: &'static str,
    /// The JSON key; `None` means the header in lower case.
    pub json_key: Option<&'static str>,
    /// Alignment in the table format.
    pub align: Align,
    /// The JSON value type.
    pub json: JsonKind,
    /// libsmartcols' absolute width hint (see "Column widths" in the
    /// module docs).
    pub width_hint: usize,
    /// May be truncated to fit a terminal (`SCOLS_FL_TRUNC`).
    pub truncate: bool,
    /// `\n` in a cell starts another line (`SCOLS_FL_WRAP` with
    /// `scols_wrapnl_chunksize`).
    pub multiline: bool,
    /// The column draws the tree (`SCOLS_FL_TREE`).
    pub tree: bool,
}

impl Column {
    /// A left-aligned string column.
    pub const fn new(name: &'static str) -> Column {
        Column {
            name,
            json_key: None,
            align: Align::Left,
            json: JsonKind::String,
            width_hint: 0,
            truncate: false,
            multiline: false,
            tree: false,
        }
    }

    /// Right-aligned.
    pub const fn right(self) -> Column {
        Column { align: Align::Right, ..self }
    }

    /// Left-aligned.
    pub const fn left(self) -> Column {
        Column { align: Align::Left, ..self }
    }

    /// A number in JSON.
    pub const fn number(self) -> Column {
        Column { json: JsonKind::Number, ..self }
    }

    /// A boolean in JSON.
    pub const fn boolean(self) -> Column {
        Column { json: JsonKind::Boolean, ..self }
    }

    /// With an absolute width hint.
    pub const fn hint(self, width: usize) -> Column {
        Column { width_hint: width, ..self }
    }

    /// Truncatable on a terminal.
    pub const fn truncate(self) -> Column {
        Column { truncate: true, ..self }
    }

    /// Multi-line cells (`\n` separates lines).
    pub const fn multiline(self) -> Column {
        Column { multiline: true, ..self }
    }

    /// The tree column.
    pub const fn tree(self) -> Column {
        Column { tree: true, ..self }
    }

    /// With another JSON key than the lower-case header.
    pub const fn key(self, key: &'static str) -> Column {
        Column { json_key: Some(key), ..self }
    }
}

/// The output format (`--raw`, `--json`, or neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// Space-separated escaped cells.
    Raw,
    /// JSON.
    Json,
}

/// How to print a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Style {
    /// The format.
    pub format: Format,
    /// Print the header line (table and raw formats; `--noheadings` clears it).
    pub headings: bool,
    /// The JSON root key, e.g. `namespaces`.
    pub json_root: &'static str,
    /// The terminal's width when stdout is a terminal (see
    /// [`stdout_terminal_width`]); `None` disables truncation.
    pub term_width: Option<usize>,
    /// UTF-8 locale: tree art in box-drawing characters and UTF-8 text kept
    /// as is in the table format (see [`locale_is_utf8`]).
    pub utf8: bool,
}

impl Style {
    /// Table format with headings, not a terminal, ASCII.
    pub fn new(format: Format, json_root: &'static str) -> Style {
        Style { format, headings: true, json_root, term_width: None, utf8: false }
    }

    /// The style for printing to stdout: the terminal's width when stdout
    /// is one (table format only) and the locale's tree art and encoding.
    pub fn for_stdout(format: Format, json_root: &'static str) -> Style {
        Style {
            format,
            headings: true,
            json_root,
            term_width: if format == Format::Table { stdout_terminal_width() } else { None },
            utf8: locale_is_utf8(),
        }
    }
}

/// The width of the terminal on stdout, or `None` when stdout is not a
/// terminal. Like util-linux's `get_terminal_width(80)`: `TIOCGWINSZ`, then
/// `$COLUMNS`, then 80.
pub fn stdout_terminal_width() -> Option<usize> {
    nix::ioctl_read_bad!(tiocgwinsz, libc::TIOCGWINSZ, libc::winsize);
    let stdout = crate::prog::FD1;
    if !nix::unistd::isatty(stdout).unwrap_or(false) {
        return None;
    }
    let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one struct winsize.
    if unsafe { tiocgwinsz(stdout.as_raw_fd(), &mut ws) }.is_ok() && ws.ws_col > 0 {
        return Some(ws.ws_col as usize);
    }
    let cols = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).filter(|&c| c > 0);
    Some(cols.unwrap_or(80))
}

/// Whether the `LC_ALL` / `LC_CTYPE` / `LANG` locale (the first one set)
/// names a UTF-8 codeset, as `setlocale(LC_ALL, "")` followed by
/// `nl_langinfo(CODESET)` would find (the locale is assumed installed).
pub fn locale_is_utf8() -> bool {
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    names_utf8_codeset(&name)
}

/// Whether a locale name (`language[_territory][.codeset][@modifier]`)
/// has a UTF-8 codeset.
fn names_utf8_codeset(locale: &str) -> bool {
    let codeset = locale.split('@').next().unwrap_or("").rsplit_once('.').map(|(_, c)| c).unwrap_or("");
    codeset.eq_ignore_ascii_case("utf-8") || codeset.eq_ignore_ascii_case("utf8")
}

/// A row of a [`Table`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowId(u32);

const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Links {
    parent: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
}

/// Rows of cells under named columns, printed like libsmartcols.
#[derive(Clone, Debug)]
pub struct Table {
    columns: Vec<Column>,
    /// All cells' bytes, back to back.
    text: Vec<u8>,
    /// End offset in `text` of each cell, row-major.
    ends: Vec<u32>,
    links: Vec<Links>,
    first_root: u32,
    last_root: u32,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<Column>) -> Table {
        Table { columns, text: Vec::new(), ends: Vec::new(), links: Vec::new(), first_root: NONE, last_root: NONE }
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// Start a new row, the last child of `parent` (or a root); fill it
    /// with one [`push`](Self::push) per column.
    pub fn add_row(&mut self, parent: Option<RowId>) -> RowId {
        debug_assert_eq!(self.ends.len(), self.links.len() * self.columns.len(), "previous row incomplete");
        let id = self.links.len() as u32;
        let parent = parent.map_or(NONE, |p| p.0);
        self.links.push(Links { parent, first_child: NONE, last_child: NONE, next_sibling: NONE });
        let (first, last) = if parent == NONE {
            (&mut self.first_root, &mut self.last_root)
        } else {
            let p = &mut self.links[parent as usize];
            (&mut p.first_child, &mut p.last_child)
        };
        let prev = *last;
        *last = id;
        if prev == NONE {
            *first = id;
        } else {
            self.links[prev as usize].next_sibling = id;
        }
        RowId(id)
    }

    /// Append the next cell of the current row.
    pub fn push(&mut self, cell: impl AsRef<[u8]>) {
        self.text.extend_from_slice(cell.as_ref());
        self.end_cell();
    }

    /// Append the next cell of the current row, formatted (no allocation).
    pub fn push_display(&mut self, value: impl Display) {
        // writing into a Vec cannot fail
        let _ = write!(self.text, "{value}");
        self.end_cell();
    }

    fn end_cell(&mut self) {
        debug_assert!(self.ends.len() < self.links.len() * self.columns.len(), "too many cells");
        self.ends.push(self.text.len() as u32);
    }

    /// The bytes of a cell.
    pub fn cell(&self, row: RowId, col: usize) -> &[u8] {
        nth_cell(&self.text, &self.ends, row.0 as usize * self.columns.len() + col)
    }

    /// The parent of a row.
    pub fn parent(&self, row: RowId) -> Option<RowId> {
        let p = self.links[row.0 as usize].parent;
        (p != NONE).then_some(RowId(p))
    }

    /// Whether rows form a tree: some column draws it (libsmartcols draws
    /// the art in every tree column).
    fn is_tree(&self) -> bool {
        self.columns.iter().any(|c| c.tree)
    }

    /// Rows in print order: depth-first when there is a tree column (as
    /// libsmartcols), else in the order they were added.
    fn print_order(&self) -> Vec<u32> {
        if !self.is_tree() {
            return (0..self.links.len() as u32).collect();
        }
        let mut order = Vec::with_capacity(self.links.len());
        let mut stack = Vec::new();
        let mut next = self.first_root;
        loop {
            while next != NONE {
                order.push(next);
                stack.push(next);
                next = self.links[next as usize].first_child;
            }
            match stack.pop() {
                Some(done) => next = self.links[done as usize].next_sibling,
                None => break,
            }
        }
        order
    }

    fn depth(&self, row: u32) -> usize {
        let mut d = 0;
        let mut p = self.links[row as usize].parent;
        while p != NONE {
            d += 1;
            p = self.links[p as usize].parent;
        }
        d
    }

    fn is_last_child(&self, row: u32) -> bool {
        self.links[row as usize].next_sibling == NONE
    }

    fn has_children(&self, row: u32) -> bool {
        self.links[row as usize].first_child != NONE
    }

    /// The art of one row's level after its ancestors' (libsmartcols'
    /// `line_ascii_art_to_buffer()`): `if_last` or `otherwise` depending on
    /// whether the row is its parent's last child; nothing for roots.
    fn level_art(&self, row: u32, if_last: &[u8], otherwise: &[u8], art: &Art, out: &mut Vec<u8>) {
        let p = self.links[row as usize].parent;
        if p == NONE {
            return;
        }
        // every ancestor below the roots: a vertical line while it has
        // later siblings, else blanks
        self.level_art(p, art.space, art.vertical, art, out);
        out.extend_from_slice(if self.is_last_child(row) { if_last } else { otherwise });
    }

    /// The tree art in front of a row's first line.
    fn row_art(&self, row: u32, art: &Art, out: &mut Vec<u8>) {
        self.level_art(row, art.right, art.branch, art, out);
    }

    /// The tree art on a continuation line of a multi-line row
    /// (libsmartcols' `print_empty_cell()`): the row's own level, plus a
    /// vertical line towards its children if it has any (on every
    /// continuation line, the last too: util-linux HEAD; 2.38 left it off
    /// the last when the tree column came after the multi-line one).
    fn continuation_art(&self, row: u32, art: &Art, out: &mut Vec<u8>) {
        if self.links[row as usize].parent != NONE {
            self.level_art(row, art.space, art.vertical, art, out);
        }
        if self.has_children(row) {
            out.extend_from_slice(art.vertical);
        }
    }

    /// Write the table to `out` in `style`.
    pub fn print(&self, out: &mut impl Write, style: &Style) -> io::Result<()> {
        match style.format {
            Format::Json => self.print_json(out, style),
            Format::Raw => self.print_raw(out, style),
            Format::Table => self.print_table(out, style),
        }
    }

    fn print_raw(&self, out: &mut impl Write, style: &Style) -> io::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let art = Art::new(style.utf8);
        let mut line = Vec::new();
        if style.headings {
            for (i, c) in self.columns.iter().enumerate() {
                if i > 0 {
                    line.push(b' ');
                }
                encode_raw(c.name.as_bytes(), &mut line);
            }
            line.push(b'\n');
            out.write_all(&line)?;
        }
        let mut scratch = Vec::new();
        for r in self.print_order() {
            line.clear();
            for i in 0..self.columns.len() {
                if i > 0 {
                    line.push(b' ');
                }
                let cell = self.cell(RowId(r), i);
                if self.columns[i].tree {
                    scratch.clear();
                    self.row_art(r, &art, &mut scratch);
                    scratch.extend_from_slice(cell);
                    encode_raw(&scratch, &mut line);
                } else {
                    encode_raw(cell, &mut line);
                }
            }
            line.push(b'\n');
            out.write_all(&line)?;
        }
        Ok(())
    }

    fn print_json(&self, out: &mut impl Write, style: &Style) -> io::Result<()> {
        let mut buf = Vec::with_capacity(4096);
        buf.extend_from_slice(b"{\n   ");
        json_string(style.json_root.as_bytes(), &mut buf);
        buf.extend_from_slice(b": [\n");
        let keys: Vec<String> =
            self.columns.iter().map(|c| c.json_key.map_or_else(|| c.name.to_lowercase(), str::to_string)).collect();
        if self.is_tree() {
            let mut r = self.first_root;
            while r != NONE {
                self.json_object(r, 2, true, &keys, &mut buf, out)?;
                r = self.links[r as usize].next_sibling;
            }
        } else {
            for r in 0..self.links.len() as u32 {
                self.json_object(r, 2, false, &keys, &mut buf, out)?;
            }
        }
        buf.extend_from_slice(b"\n   ]\n}\n");
        out.write_all(&buf)
    }

    /// One row as a JSON object at `level` (3 spaces each), preceded by
    /// `,` when it follows a sibling, and its children when `nested`.
    fn json_object(
        &self,
        row: u32,
        level: usize,
        nested: bool,
        keys: &[String],
        buf: &mut Vec<u8>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let first = if nested {
            let p = self.links[row as usize].parent;
            row == if p == NONE { self.first_root } else { self.links[p as usize].first_child }
        } else {
            row == 0
        };
        if first {
            indent(level, buf);
        } else {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\n");
        for (i, c) in self.columns.iter().enumerate() {
            if i > 0 {
                buf.extend_from_slice(b",\n");
            }
            indent(level + 1, buf);
            json_string(keys[i].as_bytes(), buf);
            buf.extend_from_slice(b": ");
            let cell = self.cell(RowId(row), i);
            if cell.is_empty() {
                buf.extend_from_slice(b"null");
            } else if c.json == JsonKind::String {
                json_string(cell, buf);
            } else {
                buf.extend_from_slice(cell);
            }
        }
        if nested && self.has_children(row) {
            buf.extend_from_slice(b",\n");
            indent(level + 1, buf);
            buf.extend_from_slice(b"\"children\": [\n");
            let mut c = self.links[row as usize].first_child;
            while c != NONE {
                self.json_object(c, level + 2, true, keys, buf, out)?;
                c = self.links[c as usize].next_sibling;
            }
            buf.push(b'\n');
            indent(level + 1, buf);
            buf.push(b']');
        }
        buf.push(b'\n');
        indent(level, buf);
        buf.push(b'}');
        if buf.len() > 32 * 1024 {
            out.write_all(buf)?;
            buf.clear();
        }
        Ok(())
    }

    fn print_table(&self, out: &mut impl Write, style: &Style) -> io::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let art = Art::new(style.utf8);
        let ncols = self.columns.len();
        // encode every cell once; widths come from the encoded text
        let mut enc =
            Encoded { text: Vec::with_capacity(self.text.len() + 64), ends: Vec::with_capacity(self.ends.len()) };
        for i in 0..self.ends.len() {
            let cell = nth_cell(&self.text, &self.ends, i);
            encode_table(cell, style.utf8, self.columns[i % ncols].multiline, &mut enc.text);
            enc.ends.push(enc.text.len() as u32);
        }
        let layout = self.layout(&enc, style);
        let widths = &layout.widths;

        let mut line = Vec::with_capacity(256);
        if style.headings {
            for (i, c) in self.columns.iter().enumerate() {
                let mut h = Vec::new();
                encode_table(c.name.as_bytes(), style.utf8, false, &mut h);
                let h = truncated(&h, widths[i], style.term_width.is_some() && c.truncate);
                put_cell(&mut line, h, widths[i], c.align, i + 1 == ncols);
            }
            finish_line(&mut line);
            out.write_all(&line)?;
        }

        let mut data = Vec::new();
        let mut pending: Vec<&[u8]> = vec![&[]; ncols];
        for r in self.print_order() {
            line.clear();
            for (i, c) in self.columns.iter().enumerate() {
                let mut cell = enc.cell(r as usize * ncols + i);
                if c.multiline {
                    let (head, rest) = split_line(cell);
                    cell = head;
                    pending[i] = rest.unwrap_or(&[]);
                }
                data.clear();
                if self.columns[i].tree {
                    self.row_art(r, &art, &mut data);
                }
                data.extend_from_slice(cell);
                let shown = truncated(&data, widths[i], style.term_width.is_some() && c.truncate);
                put_cell(&mut line, shown, widths[i], c.align, i + 1 == ncols);
            }
            finish_line(&mut line);
            // continuation lines of multi-line cells
            while pending.iter().any(|p| !p.is_empty()) {
                for (i, c) in self.columns.iter().enumerate() {
                    let last = i + 1 == ncols;
                    if !pending[i].is_empty() {
                        let (head, rest) = split_line(pending[i]);
                        pending[i] = rest.unwrap_or(&[]);
                        put_cell(&mut line, head, widths[i], c.align, last);
                        continue;
                    }
                    data.clear();
                    if self.columns[i].tree {
                        self.continuation_art(r, &art, &mut data);
                    }
                    let n = display_width(&data);
                    line.extend_from_slice(&data);
                    if !last {
                        line.resize(line.len() + widths[i].saturating_sub(n), b' ');
                        line.push(b' ');
                    }
                }
                finish_line(&mut line);
            }
            out.write_all(&line)?;
        }
        Ok(())
    }

    /// Column widths: the rule at the top of this module ("Column widths").
    fn layout(&self, enc: &Encoded, style: &Style) -> Layout {
        let ncols = self.columns.len();
        let depths: Vec<usize> = if self.is_tree() {
            (0..self.links.len() as u32).map(|r| self.depth(r)).collect()
        } else {
            vec![0; self.links.len()]
        };
        let mut widths = Vec::with_capacity(ncols);
        let mut mins = Vec::with_capacity(ncols);
        for (i, c) in self.columns.iter().enumerate() {
            // a header that is not printed takes no room
            let header = if style.headings { display_width(c.name.as_bytes()) } else { 0 };
            let mut data = 0;
            for (r, &depth) in depths.iter().enumerate() {
                let cell = enc.cell(r * ncols + i);
                let mut len = if c.multiline {
                    cell.split(|&b| b == b'\n').map(display_width).max().unwrap_or(0)
                } else {
                    display_width(cell)
                };
                if self.columns[i].tree {
                    // the art is two cells wide per level below the roots
                    len += 2 * depth;
                }
                data = data.max(len);
            }
            let min = header.max(1);
            let width = if data > min && data < c.width_hint { c.width_hint } else { data.max(header) };
            widths.push(width);
            mins.push(min);
        }
        if let Some(term) = style.term_width {
            let mut total: usize = widths.iter().sum::<usize>() + ncols.saturating_sub(1);
            while total > term {
                let before = total;
                for i in (0..ncols).rev() {
                    if total <= term {
                        break;
                    }
                    let c = &self.columns[i];
                    // (a tree column's art is cut like its text)
                    if !c.truncate || widths[i] <= mins[i] {
                        continue;
                    }
                    widths[i] -= 1;
                    total -= 1;
                }
                if total == before {
                    break; // nothing left to shorten: the lines overflow
                }
            }
            // room to spare goes to hinted columns, a cell at a time from
            // the right, round after round, until each has its hint
            while total < term {
                let before = total;
                for i in (0..ncols).rev() {
                    if total < term && widths[i] < self.columns[i].width_hint {
                        widths[i] += 1;
                        total += 1;
                    }
                }
                if total == before {
                    break;
                }
            }
        }
        Layout { widths }
    }
}

struct Layout {
    widths: Vec<usize>,
}

/// Cells after table-format encoding.
struct Encoded {
    text: Vec<u8>,
    ends: Vec<u32>,
}

impl Encoded {
    fn cell(&self, i: usize) -> &[u8] {
        nth_cell(&self.text, &self.ends, i)
    }
}

/// Cell `i` of cells stored back to back in `text`, `ends[i]` being the
/// offset where it ends.
fn nth_cell<'a>(text: &'a [u8], ends: &[u32], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &text[start..ends[i] as usize]
}

/// Tree drawing symbols (libsmartcols' `symbols`).
struct Art {
    branch: &'static [u8],
    right: &'static [u8],
    vertical: &'static [u8],
    space: &'static [u8],
}

impl Art {
    fn new(utf8: bool) -> Art {
        if utf8 {
            Art { branch: "├─".as_bytes(), right: "└─".as_bytes(), vertical: "│ ".as_bytes(), space: b"  " }
        } else {
            Art { branch: b"|-", right: b"`-", vertical: b"| ", space: b"  " }
        }
    }
}

fn indent(level: usize, buf: &mut Vec<u8>) {
    buf.resize(buf.len() + 3 * level, b' ');
}

/// Split off the first line of a multi-line cell.
fn split_line(cell: &[u8]) -> (&[u8], Option<&[u8]>) {
    match cell.iter().position(|&b| b == b'\n') {
        Some(p) => (&cell[..p], Some(&cell[p + 1..])),
        None => (cell, None),
    }
}

/// Append one cell of the table format: aligned, padded unless it is the
/// last (left-aligned) column, followed by the separator unless last. An
/// empty cell of the last column is nothing at all, even right-aligned
/// (util-linux HEAD; 2.38 padded it).
fn put_cell(line: &mut Vec<u8>, data: &[u8], width: usize, align: Align, last: bool) {
    if last && data.is_empty() {
        return;
    }
    let pad = width.saturating_sub(display_width(data));
    if align == Align::Right {
        line.resize(line.len() + pad, b' ');
        line.extend_from_slice(data);
    } else {
        line.extend_from_slice(data);
        if !last {
            line.resize(line.len() + pad, b' ');
        }
    }
    if !last {
        line.push(b' ');
    }
}

fn finish_line(line: &mut Vec<u8>) {
    line.push(b'\n');
}

/// The display width of encoded text: one cell per character (encoded text
/// holds only printable characters).
pub fn display_width(s: &[u8]) -> usize {
    s.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// `data` cut to `width` display cells when `cut` is set.
fn truncated(data: &[u8], width: usize, cut: bool) -> &[u8] {
    if !cut {
        return data;
    }
    let mut chars = 0;
    for (i, &b) in data.iter().enumerate() {
        if b & 0xC0 != 0x80 {
            if chars == width {
                return &data[..i];
            }
            chars += 1;
        }
    }
    data
}

/// Table-format encoding (util-linux's `mbs_safe_encode()`): non-printable
/// bytes as `\xHH`; with `utf8`, valid printable UTF-8 characters are kept;
/// with `keep_newlines`, `\n` is kept (it separates lines of the cell). A
/// backslash followed by `x` is written `\x5c`, as util-linux HEAD does, so
/// that `\xHH` in the output always stands for an escaped byte.
pub fn encode_table(s: &[u8], utf8: bool, keep_newlines: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'\\' && s.get(i + 1) == Some(&b'x') {
            hex_escape(b, out);
            i += 1;
            continue;
        }
        if (0x20..0x7f).contains(&b) || (keep_newlines && b == b'\n') {
            out.push(b);
            i += 1;
            continue;
        }
        if utf8 && b >= 0x80 {
            let n = utf8_char_len(&s[i..]);
            if n > 0 {
                let c = std::str::from_utf8(&s[i..i + n]).ok().and_then(|t| t.chars().next());
                if c.is_some_and(|c| !c.is_control()) {
                    out.extend_from_slice(&s[i..i + n]);
                    i += n;
                    continue;
                }
            }
        }
        hex_escape(b, out);
        i += 1;
    }
}

/// The length of the valid UTF-8 sequence at the start of `s`, or 0.
fn utf8_char_len(s: &[u8]) -> usize {
    let n = match s[0] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return 0,
    };
    if s.len() >= n && std::str::from_utf8(&s[..n]).is_ok() {
        n
    } else {
        0
    }
}

/// Raw-format encoding (libsmartcols' raw output): blanks, backslash and
/// every byte that is not printable ASCII as `\xHH`.
pub fn encode_raw(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        if b > 0x20 && b < 0x7f && b != b'\\' {
            out.push(b);
        } else {
            hex_escape(b, out);
        }
    }
}

fn hex_escape(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
}

/// A quoted JSON string (util-linux's `fputs_quoted_json()`): `"` and `\`
/// escaped, `\b \f \n \r \t` by name, other control bytes below 0x20 as
/// `\u00XX`, everything else as is (UTF-8, and DEL, which JSON allows raw
/// and util-linux HEAD writes raw).
pub fn json_string(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<Column> {
        vec![
            Column::new("NS").right().number().hint(10),
            Column::new("TYPE").hint(5),
            Column::new("PID").right().number().hint(5),
            Column::new("COMMAND").truncate(),
        ]
    }

    fn render(t: &Table, style: &Style) -> String {
        let mut out = Vec::new();
        t.print(&mut out, style).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn row(t: &mut Table, parent: Option<RowId>, cells: &[&str]) -> RowId {
        let r = t.add_row(parent);
        for c in cells {
            t.push(c);
        }
        r
    }

    fn sample() -> Table {
        let mut t = Table::new(cols());
        row(&mut t, None, &["4026531837", "user", "2", "kthreadd"]);
        row(&mut t, None, &["4026532249", "user", "30481", "unshare -U sleep 1"]);
        t
    }

    #[test]
    fn table_alignment_hints_and_unpadded_last_column() {
        let s = render(&sample(), &Style::new(Format::Table, "x"));
        assert_eq!(
            s,
            "        NS TYPE   PID COMMAND\n\
             4026531837 user     2 kthreadd\n\
             4026532249 user 30481 unshare -U sleep 1\n"
        );
    }

    #[test]
    fn hint_applies_only_when_the_data_is_wider_than_the_header() {
        // (the widths util-linux HEAD gives these shapes)
        let widths = |cells: &[&str; 4], headings: bool| {
            let mut t = Table::new(cols());
            row(&mut t, None, cells);
            let mut st = Style::new(Format::Table, "x");
            st.headings = headings;
            render(&t, &st)
        };
        // narrower than the header: the header's width, not the hint
        assert_eq!(widths(&["1", "net", "2", "x"], true), "NS TYPE PID COMMAND\n 1 net    2 x\n");
        // as wide as the header: still the header's
        assert_eq!(widths(&["1", "user", "200", "x"], true), "NS TYPE PID COMMAND\n 1 user 200 x\n");
        // wider than the header, narrower than the hint: the hint
        assert_eq!(
            widths(&["100", "cgroup", "1234", "x"], true),
            "        NS TYPE     PID COMMAND\n       100 cgroup  1234 x\n"
        );
        // without headings a header takes no room: data below the hint get
        // the hint, unless they are one cell wide
        assert_eq!(widths(&["1", "net", "2", "x"], false), "1 net   2 x\n");
        assert_eq!(widths(&["10", "net", "22", "x"], false), "        10 net      22 x\n");
    }

    #[test]
    fn noheadings_ignores_header_widths() {
        let mut st = Style::new(Format::Table, "x");
        st.headings = false;
        let mut t = Table::new(vec![Column::new("LONGNAME"), Column::new("EMPTY"), Column::new("B")]);
        row(&mut t, None, &["a", "", "b"]);
        assert_eq!(render(&t, &st), "a  b\n");
    }

    #[test]
    fn empty_table_prints_nothing_but_json_prints_an_empty_array() {
        let t = Table::new(cols());
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "");
        assert_eq!(render(&t, &Style::new(Format::Raw, "x")), "");
        assert_eq!(render(&t, &Style::new(Format::Json, "namespaces")), "{\n   \"namespaces\": [\n\n   ]\n}\n");
    }

    #[test]
    fn right_aligned_last_column_is_padded_and_empty_last_cell_leaves_separator() {
        let mut t = Table::new(vec![Column::new("USER"), Column::new("PID").right()]);
        row(&mut t, None, &["root", ""]);
        row(&mut t, None, &["root", "12345"]);
        row(&mut t, None, &["root", "1"]);
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "USER   PID\nroot \nroot 12345\nroot     1\n");
        let mut t = Table::new(vec![Column::new("USER"), Column::new("CMD")]);
        row(&mut t, None, &["root", ""]);
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "USER CMD\nroot \n");
    }

    #[test]
    fn raw_escapes_blanks_backslash_and_non_ascii() {
        let mut t = Table::new(vec![Column::new("A"), Column::new("B")]);
        row(&mut t, None, &["sleep 1\t\\x\"", "ä"]);
        row(&mut t, None, &["", "z"]);
        assert_eq!(render(&t, &Style::new(Format::Raw, "x")), "A B\nsleep\\x201\\x09\\x5cx\" \\xc3\\xa4\n z\n");
    }

    #[test]
    fn a_backslash_before_x_is_escaped_in_tables() {
        // as util-linux HEAD: `\x` would read as an escape, other
        // backslashes stay
        let mut out = Vec::new();
        encode_table(b"p\\xq \\\\x a\\b \\X c\\", true, false, &mut out);
        assert_eq!(out, b"p\\x5cxq \\\\x5cx a\\b \\X c\\");
        let mut t = Table::new(vec![Column::new("A"), Column::new("B")]);
        row(&mut t, None, &["\\x", "\\x"]);
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "A     B\n\\x5cx \\x5cx\n");
        assert_eq!(render(&t, &Style::new(Format::Raw, "x")), "A B\n\\x5cx \\x5cx\n");
    }

    #[test]
    fn table_encoding_depends_on_locale() {
        let mut out = Vec::new();
        encode_table("ä\tx\\y\u{1}".as_bytes(), true, false, &mut out);
        assert_eq!(out, b"\xc3\xa4\\x09x\\y\\x01");
        out.clear();
        encode_table("ä".as_bytes(), false, false, &mut out);
        assert_eq!(out, b"\\xc3\\xa4");
        out.clear();
        encode_table(b"\xff a\nb", true, true, &mut out);
        assert_eq!(out, b"\\xff a\nb");
    }

    #[test]
    fn json_types_nulls_and_escaping() {
        let mut t = Table::new(vec![Column::new("NS").number(), Column::new("NETNSID"), Column::new("CMD")]);
        row(&mut t, None, &["1", "7", "a \"b\"\\\n\t\u{1}\u{7f}"]);
        row(&mut t, None, &["", "", ""]);
        assert_eq!(
            render(&t, &Style::new(Format::Json, "namespaces")),
            "{\n   \"namespaces\": [\n      {\n         \"ns\": 1,\n         \"netnsid\": \"7\",\n         \
             \"cmd\": \"a \\\"b\\\"\\\\\\n\\t\\u0001\u{7f}\"\n      },{\n         \"ns\": null,\n         \
             \"netnsid\": null,\n         \"cmd\": null\n      }\n   ]\n}\n"
        );
        let v = String::from_utf8({
            let mut o = Vec::new();
            t.print(&mut o, &Style::new(Format::Json, "x")).unwrap();
            o
        })
        .unwrap();
        assert!(v.contains("\"ns\": 1"));
    }

    fn tree_table() -> Table {
        let mut t = Table::new(vec![Column::new("NS").tree(), Column::new("T")]);
        let a = row(&mut t, None, &["1", "user"]);
        row(&mut t, Some(a), &["2", "mnt"]);
        let c = row(&mut t, Some(a), &["3", "user"]);
        row(&mut t, None, &["9", "x"]);
        row(&mut t, Some(c), &["4", "pid"]);
        t
    }

    #[test]
    fn tree_rows_print_depth_first_with_art() {
        let mut st = Style::new(Format::Table, "x");
        st.utf8 = true;
        assert_eq!(render(&tree_table(), &st), "NS    T\n1     user\n├─2   mnt\n└─3   user\n  └─4 pid\n9     x\n");
        st.utf8 = false;
        assert_eq!(render(&tree_table(), &st), "NS    T\n1     user\n|-2   mnt\n`-3   user\n  `-4 pid\n9     x\n");
    }

    #[test]
    fn tree_in_raw_escapes_the_art() {
        let mut st = Style::new(Format::Raw, "x");
        st.utf8 = true;
        let s = render(&tree_table(), &st);
        assert!(s.contains("\n\\xe2\\x94\\x9c\\xe2\\x94\\x802 mnt\n"), "{s}");
        assert!(s.contains("\n\\x20\\x20\\xe2\\x94\\x94\\xe2\\x94\\x804 pid\n"), "{s}");
    }

    #[test]
    fn tree_in_json_nests_children() {
        let s = render(&tree_table(), &Style::new(Format::Json, "r"));
        let expected = "{\n   \"r\": [\n      {\n         \"ns\": \"1\",\n         \"t\": \"user\",\n         \
\"children\": [\n            {\n               \"ns\": \"2\",\n               \"t\": \"mnt\"\n            },{\n               \
\"ns\": \"3\",\n               \"t\": \"user\",\n               \"children\": [\n                  {\n                     \
\"ns\": \"4\",\n                     \"t\": \"pid\"\n                  }\n               ]\n            }\n         ]\n      },{\n         \
\"ns\": \"9\",\n         \"t\": \"x\"\n      }\n   ]\n}\n";
        assert_eq!(s, expected);
    }

    #[test]
    fn every_tree_column_draws_the_art() {
        let mut t = Table::new(vec![Column::new("A").tree(), Column::new("B").tree()]);
        let r = row(&mut t, None, &["x", "y"]);
        row(&mut t, Some(r), &["z", "w"]);
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "A   B\nx   y\n`-z `-w\n");
    }

    #[test]
    fn without_a_tree_column_rows_stay_flat_in_insertion_order() {
        let mut t = Table::new(vec![Column::new("NS"), Column::new("T")]);
        let a = row(&mut t, None, &["1", "a"]);
        row(&mut t, None, &["2", "b"]);
        row(&mut t, Some(a), &["3", "c"]);
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "NS T\n1  a\n2  b\n3  c\n");
        assert!(!render(&t, &Style::new(Format::Json, "x")).contains("children"));
    }

    #[test]
    fn multiline_cells_continue_on_extra_lines() {
        let mut t = Table::new(vec![Column::new("NS"), Column::new("NSFS").multiline(), Column::new("PID").right()]);
        row(&mut t, None, &["1", "", "2"]);
        row(&mut t, None, &["3", "/run/netns/demo\n/tmp/nb", "17"]);
        assert_eq!(
            render(&t, &Style::new(Format::Table, "x")),
            "NS NSFS            PID\n1                    2\n3  /run/netns/demo  17\n   /tmp/nb         \n"
        );
        // last column: continuation chunks unpadded
        let mut t = Table::new(vec![Column::new("NS"), Column::new("NSFS").multiline()]);
        row(&mut t, None, &["3", "/a/b\n/c"]);
        assert_eq!(render(&t, &Style::new(Format::Table, "x")), "NS NSFS\n3  /a/b\n   /c\n");
    }

    #[test]
    fn multiline_continuation_draws_tree_lines() {
        // tree column after the multi-line one: the vertical line towards
        // the children is drawn on every continuation line
        let mut t = Table::new(vec![Column::new("NSFS").multiline(), Column::new("CMD").tree()]);
        let root = row(&mut t, None, &["", "init"]);
        let a = row(&mut t, Some(root), &["/a\n/b\n/c", "bash"]);
        row(&mut t, Some(a), &["", "sleep"]);
        let mut st = Style::new(Format::Table, "x");
        st.utf8 = false;
        assert_eq!(render(&t, &st), "NSFS CMD\n     init\n/a   `-bash\n/b     | \n/c     | \n       `-sleep\n");
        // tree column first: the line is drawn on every continuation line
        let mut t = Table::new(vec![Column::new("CMD").tree(), Column::new("NSFS").multiline()]);
        let root = row(&mut t, None, &["init", ""]);
        let a = row(&mut t, Some(root), &["bash", "/a\n/b\n/c"]);
        row(&mut t, Some(a), &["sleep", ""]);
        assert_eq!(
            render(&t, &st),
            "CMD       NSFS\ninit      \n`-bash    /a\n  |       /b\n  |       /c\n  `-sleep \n"
        );
    }

    #[test]
    fn terminal_truncates_only_truncatable_columns_down_to_their_header() {
        let mut st = Style::new(Format::Table, "x");
        st.term_width = Some(30);
        let s = render(&sample(), &st);
        assert_eq!(
            s,
            "        NS TYPE   PID COMMAND\n4026531837 user     2 kthreadd\n4026532249 user 30481 unshare \n"
        );
        st.term_width = Some(35);
        let s = render(&sample(), &st);
        assert!(s.lines().all(|l| l.len() <= 35), "{s}");
        assert!(s.contains("30481 unshare -U sl\n"), "{s}");
        // never below the header: the lines overflow
        st.term_width = Some(20);
        let s = render(&sample(), &st);
        assert!(s.contains(" 30481 unshare\n"), "{s}");
        // without headings, down to one cell
        st.headings = false;
        assert!(render(&sample(), &st).contains(" 30481 u\n"));
        st.term_width = None;
        assert!(render(&sample(), &st).contains("unshare -U sleep 1\n"));
    }

    #[test]
    fn terminal_room_goes_to_hinted_columns_from_the_right() {
        // util-linux HEAD's lsns -o PNS,PID on cells 0 and 1 (hints 10, 5)
        let mut t = Table::new(vec![Column::new("PNS").right().hint(10), Column::new("PID").right().hint(5)]);
        row(&mut t, None, &["0", "1"]);
        let at = |w: Option<usize>| {
            let mut st = Style::new(Format::Table, "x");
            st.term_width = w;
            render(&t, &st).lines().next().unwrap().to_string()
        };
        assert_eq!(at(None), "PNS PID");
        assert_eq!(at(Some(7)), "PNS PID");
        assert_eq!(at(Some(8)), "PNS  PID");
        assert_eq!(at(Some(9)), " PNS  PID");
        assert_eq!(at(Some(10)), " PNS   PID");
        assert_eq!(at(Some(11)), "  PNS   PID");
        assert_eq!(at(Some(16)), "       PNS   PID");
        assert_eq!(at(Some(200)), "       PNS   PID");
        // a truncatable column takes what it needs first; unhinted columns
        // never widen
        let mut t = Table::new(vec![
            Column::new("COMMAND").truncate(),
            Column::new("UID").right(),
            Column::new("PID").right().hint(5),
        ]);
        row(&mut t, None, &["bash st.sh", "0", "1"]);
        let mut st = Style::new(Format::Table, "x");
        for (w, want) in [
            (12, "COMMAND UID PID\nbash st   0   1\n"),
            (17, "COMMAND   UID PID\nbash st.s   0   1\n"),
            (18, "COMMAND    UID PID\nbash st.sh   0   1\n"),
            (19, "COMMAND    UID  PID\nbash st.sh   0    1\n"),
            (80, "COMMAND    UID   PID\nbash st.sh   0     1\n"),
        ] {
            st.term_width = Some(w);
            assert_eq!(render(&t, &st), want, "{w}");
        }
    }

    #[test]
    fn push_display_and_cells() {
        let mut t = Table::new(vec![Column::new("A"), Column::new("B")]);
        let r = t.add_row(None);
        t.push_display(42u64);
        t.push("x");
        assert_eq!(t.cell(r, 0), b"42");
        assert_eq!(t.cell(r, 1), b"x");
        assert_eq!(t.len(), 1);
        assert_eq!(t.parent(r), None);
    }

    #[test]
    fn locale_detection() {
        // only the parsing; the environment is left alone
        for n in ["C.UTF-8", "en_US.utf8", "de_DE.UTF-8@euro"] {
            assert!(names_utf8_codeset(n), "{n}");
        }
        for n in ["C", "POSIX", "", "en_US", "de_DE.ISO-8859-1", "x.utf-16"] {
            assert!(!names_utf8_codeset(n), "{n}");
        }
    }
}
