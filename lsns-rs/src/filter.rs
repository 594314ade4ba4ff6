//! The `-Q/--filter` expression language: util-linux's libsmartcols filter
//! syntax (`scols-filter(5)`).
//!
//! ```text
//! expr  := expr ('||' | 'or' | 'OR') expr
//!        | expr ('&&' | 'and' | 'AND') expr
//!        | expr CMP expr
//!        | ('!' | 'not' | 'NOT') expr
//!        | '(' expr ')' | NUMBER | FLOAT | STRING | 'true' | 'false' | COLUMN
//! CMP   := '==' '!=' '<' '<=' '>' '>=' '=~' '!~' and the words
//!          eq ne lt le gt ge (or EQ NE LT LE GT GE)
//! ```
//!
//! Precedence as upstream's grammar: `!` binds tightest, then comparisons
//! (left-associative), then `&&`, then `||`. Integers take `K M G T P E Z Y`
//! suffixes (powers of 1024, also spelled `KiB`…); strings are in single or
//! double quotes, with nothing escaped. A column name alone is true when the
//! cell is not empty. Characters the language does not know are skipped and
//! syntax errors name upstream's tokens (see [`lex`]).
//!
//! Values compare by type: two numbers numerically, a number and a string
//! numerically when the string is a number (else as text), strings bytewise;
//! a boolean against anything compares truth values. An empty cell compares
//! as upstream's does (see [`compare`]). `=~`/`!~` match a string (and
//! nothing else) as a POSIX extended regular expression (`regcomp(3)`)
//! anywhere in the text.
//!
//! Depth is bounded, not the stack: an expression nested deeper than
//! [`MAX_DEPTH`] levels (parentheses, `!`, chained comparisons) is refused
//! with upstream's parser message (`memory exhausted`), so neither parsing
//! nor evaluation nor dropping the tree can run out of stack. `&&` and `||`
//! chains are flat lists, so any number of terms (up to the 128 KiB of one
//! argument) is fine.

use std::ffi::CString;
use std::fmt;
use std::os::fd::{AsFd, BorrowedFd};

/// The deepest nesting accepted: parentheses, `!`, chained comparisons
/// and regular expression groups each count a level. Upstream's parser
/// gives up a little below this (about 250 `!` or parentheses); a bound
/// this small keeps every recursion in this module well inside even a
/// test thread's 2 MiB stack.
pub const MAX_DEPTH: usize = 256;

/// What upstream's parser says when an expression nests too deeply.
const TOO_DEEP: &str = "memory exhausted";

/// A parse failure, with the byte offset of the offending token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    /// Names that are not columns, each time one occurs, in order
    /// (upstream says `unknown column: NAME` for each).
    UnknownColumn(Vec<String>),
    /// Anything else: upstream's `syntax error, unexpected …` wording.
    Syntax {
        /// The message after `failed to parse "<expr>": `.
        message: String,
        /// Byte offset in the expression where the problem is.
        offset: usize,
    },
}

impl FilterError {
    /// Two lines pointing at the problem: the expression, and a caret
    /// under the offending spot.
    pub fn pointer(expr: &str, offset: usize) -> String {
        let col = expr[..offset.min(expr.len())].chars().count();
        // not a format width: those stop at 65535, an argument does not
        format!("    {expr}\n    {}^", " ".repeat(col))
    }
}

/// A cell value handed to [`Filter::matches`].
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    /// The cell's text (empty: no value).
    pub text: &'a [u8],
    /// Whether the column holds numbers.
    pub number: bool,
}

/// A parsed filter expression over columns identified by `usize`.
#[derive(Debug)]
pub struct Filter {
    root: Node,
    holders: Vec<usize>,
}

#[derive(Debug)]
enum Node {
    /// Two or more operands: a chain is a list, not a deep tree.
    Or(Vec<Node>),
    /// Two or more operands.
    And(Vec<Node>),
    Not(Box<Node>),
    Cmp(Op, Box<Node>, Box<Node>),
    Match {
        negate: bool,
        subject: Box<Node>,
        pattern: Regex,
    },
    Holder(usize),
    Int(i128),
    Float(Decimal),
    Str(Vec<u8>),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Re,
    NotRe,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Cmp(Op),
    Int(i128),
    Float(Decimal),
    Str(Vec<u8>),
    Bool(bool),
    Name(String),
    /// A single quote that is never closed.
    Invalid,
    Eof,
}

/// A token as upstream's parser names it in its messages (`unexpected
/// NUMBER`), learnt from its answers.
impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tok::LParen => "'('",
            Tok::RParen => "')'",
            Tok::And => "AND",
            Tok::Or => "OR",
            Tok::Not => "NEG",
            Tok::Cmp(op) => op.token(),
            Tok::Int(_) => "NUMBER",
            Tok::Float(_) => "FLOAT",
            Tok::Str(_) => "STRING",
            Tok::Bool(true) => "TRUE",
            Tok::Bool(false) => "FALSE",
            Tok::Name(_) => "HOLDER",
            Tok::Invalid => "invalid token",
            Tok::Eof => "end of file",
        })
    }
}

impl Op {
    fn token(self) -> &'static str {
        match self {
            Op::Eq => "EQ",
            Op::Ne => "NE",
            Op::Lt => "LT",
            Op::Le => "LE",
            Op::Gt => "GT",
            Op::Ge => "GE",
            Op::Re => "REG",
            Op::NotRe => "NREG",
        }
    }
}

fn syntax(message: impl Into<String>, offset: usize) -> FilterError {
    FilterError::Syntax { message: message.into(), offset }
}

/// Split the expression into tokens with their byte offsets, as upstream's
/// scanner does: a column name starts with a letter and goes on with
/// letters, digits and `_%:./-`; `'…'` and `"…"` (nothing escaped) are
/// strings; a single quote never closed is an invalid token, while any
/// character the language does not know (`@`, `$`, `_`, `-` before a
/// number, a double quote never closed, bytes that are not ASCII) is
/// skipped. (Upstream's scanner also copies what it skips to standard
/// output; lsns-rs does not, see lsns-rs(8), NOTES.)
fn lex(expr: &str) -> Result<Vec<(Tok, usize)>, FilterError> {
    let b = expr.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = if i + 1 < b.len() { &b[i..i + 2] } else { &b[i..i + 1] };
        let (tok, len) = match (c, two) {
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (_, b"&&") => (Tok::And, 2),
            (_, b"||") => (Tok::Or, 2),
            (_, b"==") => (Tok::Cmp(Op::Eq), 2),
            (_, b"!=") => (Tok::Cmp(Op::Ne), 2),
            (_, b"<=") => (Tok::Cmp(Op::Le), 2),
            (_, b">=") => (Tok::Cmp(Op::Ge), 2),
            (_, b"=~") => (Tok::Cmp(Op::Re), 2),
            (_, b"!~") => (Tok::Cmp(Op::NotRe), 2),
            (b'<', _) => (Tok::Cmp(Op::Lt), 1),
            (b'>', _) => (Tok::Cmp(Op::Gt), 1),
            (b'!', _) => (Tok::Not, 1),
            (b'"' | b'\'', _) => match lex_string(&b[i..]) {
                Some((s, len)) => {
                    // the expression came as a message string (non-UTF-8
                    // bytes escaped, see nsutils_common::bytes): compare
                    // the bytes
                    let s = match String::from_utf8(s) {
                        Ok(text) => nsutils_common::bytes::to_bytes(&text).into_owned(),
                        Err(e) => e.into_bytes(),
                    };
                    (Tok::Str(s), len)
                }
                // the parser stops at it: nothing after it matters
                None if c == b'\'' => (Tok::Invalid, b.len() - i),
                None => {
                    i += 1;
                    continue;
                }
            },
            (b'0'..=b'9', _) => lex_number(&b[i..]).map_err(|m| syntax(m, start))?,
            (b'a'..=b'z' | b'A'..=b'Z', _) => {
                let len = b[i..]
                    .iter()
                    .position(|&x| !(x.is_ascii_alphanumeric() || b"_%:./-".contains(&x)))
                    .unwrap_or(b.len() - i);
                (keyword(&expr[i..i + len]), len)
            }
            _ => {
                // skipped, a whole character at a time
                i += expr[i..].chars().next().map_or(1, char::len_utf8);
                continue;
            }
        };
        toks.push((tok, start));
        i += len;
    }
    toks.push((Tok::Eof, b.len()));
    Ok(toks)
}

fn keyword(word: &str) -> Tok {
    match word {
        "and" | "AND" => Tok::And,
        "or" | "OR" => Tok::Or,
        "not" | "NOT" => Tok::Not,
        "eq" | "EQ" => Tok::Cmp(Op::Eq),
        "ne" | "NE" => Tok::Cmp(Op::Ne),
        "lt" | "LT" => Tok::Cmp(Op::Lt),
        "le" | "LE" => Tok::Cmp(Op::Le),
        "gt" | "GT" => Tok::Cmp(Op::Gt),
        "ge" | "GE" => Tok::Cmp(Op::Ge),
        "true" | "TRUE" => Tok::Bool(true),
        "false" | "FALSE" => Tok::Bool(false),
        _ => Tok::Name(word.to_string()),
    }
}

/// A quoted string at the start of `b`: its bytes and the quoted length.
/// Nothing escapes anything, as in upstream's scanner (`'a\'` is `a\`).
fn lex_string(b: &[u8]) -> Option<(Vec<u8>, usize)> {
    let quote = b[0];
    let len = b[1..].iter().position(|&c| c == quote)?;
    Some((b[1..1 + len].to_vec(), len + 2))
}

/// A number at the start of `b`, as upstream's scanner reads one:
/// `digits.digits` is a float; otherwise digits with an optional size
/// suffix `K M G T P E Z Y` (powers of 1024, also spelled `KiB`…), and
/// what follows (`1KB`, `1k`, `0x10`) is the next token. Digits beyond 64
/// bits stand for the largest number, as `strtoumax` reads them; a suffix
/// beyond them is an error naming the token.
fn lex_number(b: &[u8]) -> Result<(Tok, usize), String> {
    let digits = b.iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len());
    if b.get(digits) == Some(&b'.') && b.get(digits + 1).is_some_and(u8::is_ascii_digit) {
        let frac = b[digits + 1..].iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len() - digits - 1);
        let len = digits + 1 + frac;
        let text = std::str::from_utf8(&b[..len]).unwrap_or("0");
        return Ok((Tok::Float(Decimal::parse(text.as_bytes()).unwrap_or_default()), len));
    }
    let text = std::str::from_utf8(&b[..digits]).unwrap_or("0");
    let value = text.parse::<u64>().unwrap_or(u64::MAX);
    let Some((power, suffix_len)) = size_suffix(&b[digits..]) else {
        return Ok((Tok::Int(i128::from(value)), digits));
    };
    let len = digits + suffix_len;
    let scaled = 1024u64.checked_pow(power).and_then(|m| text.parse::<u64>().ok()?.checked_mul(m));
    match scaled {
        Some(v) => Ok((Tok::Int(i128::from(v)), len)),
        None => Err(format!("\"{}\" token error: Numerical result out of range", String::from_utf8_lossy(&b[..len]))),
    }
}

/// A size suffix at the start of `b`: its power of 1024 and length
/// (`K` or `KiB` is 1, … `Y` or `YiB` 8).
fn size_suffix(b: &[u8]) -> Option<(u32, usize)> {
    let power = b"KMGTPEZY".iter().position(|u| Some(u) == b.first())? as u32 + 1;
    Some((power, if b[1..].starts_with(b"iB") { 3 } else { 1 }))
}

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    resolve: &'a dyn Fn(&str) -> Option<usize>,
    holders: Vec<usize>,
    /// Parentheses and `!` open around the current token: bounds the
    /// parser's own recursion before it happens.
    nesting: usize,
    /// The names that are no column, as they occur.
    unknown: Vec<String>,
    /// In the child of [`Filter::guarded`]: where the offset of each
    /// pattern goes before it is compiled.
    progress: Option<BorrowedFd<'a>>,
}

/// A parsed subexpression and the depth of its tree.
type Sub = (Node, usize);

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn unexpected(&self) -> FilterError {
        let (tok, off) = &self.toks[self.pos];
        syntax(format!("syntax error, unexpected {tok}"), *off)
    }

    fn too_deep(&self) -> FilterError {
        syntax(TOO_DEEP, self.toks[self.pos].1)
    }

    fn or(&mut self) -> Result<Sub, FilterError> {
        self.chain(Tok::Or, Self::and, Node::Or)
    }

    fn and(&mut self) -> Result<Sub, FilterError> {
        self.chain(Tok::And, Self::cmp, Node::And)
    }

    /// `operand (op operand)*` as one list node (`&&` and `||` are
    /// associative, so the order of evaluation is kept without nesting).
    fn chain(
        &mut self,
        op: Tok,
        operand: fn(&mut Self) -> Result<Sub, FilterError>,
        join: fn(Vec<Node>) -> Node,
    ) -> Result<Sub, FilterError> {
        let (first, mut depth) = operand(self)?;
        if *self.peek() != op {
            return Ok((first, depth));
        }
        let mut list = vec![first];
        while *self.peek() == op {
            self.pos += 1;
            let (next, d) = operand(self)?;
            depth = depth.max(d);
            list.push(next);
        }
        Ok((join(list), depth + 1))
    }

    /// Comparisons are left-associative: `a == b == c` nests to the left,
    /// one level per operator.
    fn cmp(&mut self) -> Result<Sub, FilterError> {
        let (mut left, mut depth) = self.unary()?;
        while let Tok::Cmp(op) = *self.peek() {
            self.pos += 1;
            let at = self.toks[self.pos].1;
            let (right, d) = self.unary()?;
            depth = depth.max(d) + 1;
            if depth > MAX_DEPTH {
                return Err(syntax(TOO_DEEP, at));
            }
            left = match op {
                Op::Re | Op::NotRe => {
                    // upstream takes a string for a pattern and nothing
                    // else, refuses some strings before compiling them,
                    // and says so with a message it never set
                    let pattern = match right {
                        Node::Str(s) if !upstream_refuses(&s) => {
                            if let Some(fd) = self.progress {
                                // (8 bytes: one atomic write, whole in each read)
                                let _ = nix::unistd::write(fd, &(at as u64).to_ne_bytes());
                            }
                            Regex::new(&s).map_err(|m| syntax(m, at))?
                        }
                        _ => return Err(syntax("(null)", at)),
                    };
                    Node::Match { negate: op == Op::NotRe, subject: Box::new(left), pattern }
                }
                _ => Node::Cmp(op, Box::new(left), Box::new(right)),
            };
        }
        Ok((left, depth))
    }

    fn unary(&mut self) -> Result<Sub, FilterError> {
        if *self.peek() != Tok::Not {
            return self.primary();
        }
        // a run of `!` without recursion; it counts toward the nesting of
        // what follows
        let mut nots = 0;
        while *self.peek() == Tok::Not {
            if self.nesting + nots >= MAX_DEPTH {
                return Err(self.too_deep());
            }
            nots += 1;
            self.pos += 1;
        }
        self.nesting += nots;
        let inner = self.primary();
        self.nesting -= nots;
        let (mut node, depth) = inner?;
        for _ in 0..nots {
            node = Node::Not(Box::new(node));
        }
        let depth = depth + nots;
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        Ok((node, depth))
    }

    fn primary(&mut self) -> Result<Sub, FilterError> {
        let node = match self.peek().clone() {
            Tok::LParen => {
                if self.nesting >= MAX_DEPTH {
                    return Err(self.too_deep());
                }
                self.pos += 1;
                self.nesting += 1;
                let inner = self.or();
                self.nesting -= 1;
                let inner = inner?;
                if *self.peek() != Tok::RParen {
                    return Err(self.unexpected());
                }
                self.pos += 1;
                return Ok(inner);
            }
            Tok::Int(n) => Node::Int(n),
            Tok::Float(x) => Node::Float(x),
            Tok::Str(s) => Node::Str(s),
            Tok::Bool(b) => Node::Bool(b),
            Tok::Name(name) => {
                // an unknown name is reported once the whole expression
                // parsed (upstream looks names up after its parser)
                let Some(id) = (self.resolve)(&name) else {
                    self.unknown.push(name);
                    self.pos += 1;
                    return Ok((Node::Bool(false), 0));
                };
                if !self.holders.contains(&id) {
                    self.holders.push(id);
                }
                Node::Holder(id)
            }
            _ => return Err(self.unexpected()),
        };
        self.pos += 1;
        // a leaf: depth counts the operators above it
        Ok((node, 0))
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    /// An empty cell; whether its column holds numbers.
    Null(bool),
    Bool(bool),
    Int(i128),
    Float(Decimal),
    Text(std::borrow::Cow<'a, [u8]>),
}

impl Val<'_> {
    fn truth(&self) -> bool {
        match self {
            Val::Null(_) => false,
            Val::Bool(b) => *b,
            Val::Int(n) => *n != 0,
            Val::Float(x) => !x.is_zero(),
            Val::Text(t) => !t.is_empty(),
        }
    }

    fn text(&self) -> Vec<u8> {
        match self {
            Val::Null(_) => Vec::new(),
            Val::Bool(b) => b.to_string().into_bytes(),
            Val::Int(n) => n.to_string().into_bytes(),
            Val::Float(x) => x.to_string().into_bytes(),
            Val::Text(t) => t.to_vec(),
        }
    }

    fn number(&self) -> Option<Num> {
        match self {
            Val::Int(n) => Some(Num::Int(*n)),
            Val::Float(x) => Some(Num::Float(x.clone())),
            Val::Text(t) => parse_num(t),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Num {
    Int(i128),
    Float(Decimal),
}

fn parse_num(t: &[u8]) -> Option<Num> {
    let s = std::str::from_utf8(t).ok()?;
    if let Ok(n) = s.parse::<i128>() {
        return Some(Num::Int(n));
    }
    Decimal::parse(t).map(Num::Float)
}

fn cmp_num(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Float(y)) => Some(Decimal::from_int(x).cmp(&y)),
        (Num::Float(x), Num::Int(y)) => Some(x.cmp(&Decimal::from_int(y))),
        (Num::Float(x), Num::Float(y)) => Some(x.cmp(&y)),
    }
}

/// A number with a fraction (`1.5`), kept as its decimal digits and
/// compared exactly. No column lsns has holds one, so the filter needs no
/// binary floating point (whose parsing and printing code would add some
/// 30 KiB to every static binary of lsns-rs) and no rounding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    /// The integer part's digits, without leading zeros.
    int: Vec<u8>,
    /// The fraction's digits, without trailing zeros.
    frac: Vec<u8>,
}

impl Decimal {
    /// `[-]digits[.digits]` (either part may be empty, not both), as
    /// `strtod` reads a plain decimal.
    fn parse(t: &[u8]) -> Option<Decimal> {
        let (negative, t) = match t.strip_prefix(b"-") {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = match t.iter().position(|&c| c == b'.') {
            Some(dot) => (&t[..dot], &t[dot + 1..]),
            None => (t, &t[..0]),
        };
        if int.len() + frac.len() == 0 || !int.iter().chain(frac).all(u8::is_ascii_digit) {
            return None;
        }
        let lead = int.iter().position(|&c| c != b'0').unwrap_or(int.len());
        let trail = frac.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1);
        let d = Decimal { negative, int: int[lead..].to_vec(), frac: frac[..trail].to_vec() };
        // -0 is 0
        Some(Decimal { negative: negative && !d.is_zero(), ..d })
    }

    fn from_int(n: i128) -> Decimal {
        Decimal {
            negative: n < 0,
            int: if n == 0 { Vec::new() } else { n.unsigned_abs().to_string().into_bytes() },
            frac: Vec::new(),
        }
    }

    fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }

    /// Compare magnitudes: more integer digits is larger, then digit by digit.
    fn cmp_abs(&self, other: &Decimal) -> std::cmp::Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| self.frac.cmp(&other.frac))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> std::cmp::Ordering {
        match (self.negative, other.negative) {
            (false, true) => std::cmp::Ordering::Greater,
            (true, false) => std::cmp::Ordering::Less,
            (false, false) => self.cmp_abs(other),
            (true, true) => other.cmp_abs(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The shortest form, as a float prints: `1.50` is `1.5`, `2.0` is `2`.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = |d: &[u8]| String::from_utf8_lossy(d).into_owned();
        let int = if self.int.is_empty() { "0".to_string() } else { digits(&self.int) };
        let sign = if self.negative { "-" } else { "" };
        if self.frac.is_empty() {
            write!(f, "{sign}{int}")
        } else {
            write!(f, "{sign}{int}.{}", digits(&self.frac))
        }
    }
}

impl Filter {
    /// Parse `expr`; `resolve` maps a column name to its id (or `None`:
    /// unknown column).
    pub fn parse(expr: &str, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Filter, FilterError> {
        Filter::parse_reporting(expr, resolve, None)
    }

    /// [`Filter::parse`], with the regular expressions compiled first in a
    /// child that may spend [`REGEX_CPU_SECONDS`] of CPU time on the whole
    /// expression. glibc's `regcomp` takes time exponential in optional
    /// atoms under stacked repetitions (`a????????????????????+?+?+?+?+?+?`
    /// is not compiled after 10 s), beyond what [`compiled_size`] can bound
    /// without refusing patterns that compile at once, and within what
    /// upstream lets through ([`upstream_refuses`]); musl's has costs of
    /// its own. A child killed by its CPU limit means the pattern it was
    /// compiling is too big (`Regular expression too big` there);
    /// util-linux waits for it instead. Then the expression is parsed here, which takes no longer
    /// than it took the child. When no child can be made (no processes
    /// left), the expression is parsed here unguarded, as upstream does.
    pub fn guarded(expr: &str, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Filter, FilterError> {
        // `=~` and `!~` are the only way to a pattern
        if expr.contains('~') {
            probe(expr, resolve)?;
        }
        Filter::parse(expr, resolve)
    }

    fn parse_reporting(
        expr: &str,
        resolve: &dyn Fn(&str) -> Option<usize>,
        progress: Option<BorrowedFd<'_>>,
    ) -> Result<Filter, FilterError> {
        let toks = lex(expr)?;
        let mut p = Parser { toks, pos: 0, resolve, holders: Vec::new(), nesting: 0, unknown: Vec::new(), progress };
        let (root, _) = p.or()?;
        if *p.peek() != Tok::Eof {
            // after a whole expression only the end may come (upstream's
            // parser reduces it first, so it says so)
            let (tok, off) = &p.toks[p.pos];
            return Err(syntax(format!("syntax error, unexpected {tok}, expecting end of file"), *off));
        }
        if !p.unknown.is_empty() {
            return Err(FilterError::UnknownColumn(p.unknown));
        }
        Ok(Filter { root, holders: p.holders })
    }

    /// The column ids the expression reads (each once, in order of use).
    pub fn holders(&self) -> &[usize] {
        &self.holders
    }

    /// Evaluate for one row; `cell` gives the value of a column.
    pub fn matches<'c>(&self, cell: &mut dyn FnMut(usize) -> Cell<'c>) -> bool {
        eval(&self.root, cell).truth()
    }
}

fn eval<'c>(node: &Node, cell: &mut dyn FnMut(usize) -> Cell<'c>) -> Val<'c> {
    match node {
        Node::Or(list) => Val::Bool(list.iter().any(|n| eval(n, cell).truth())),
        Node::And(list) => Val::Bool(list.iter().all(|n| eval(n, cell).truth())),
        Node::Not(a) => Val::Bool(!eval(a, cell).truth()),
        Node::Holder(id) => {
            let c = cell(*id);
            if c.text.is_empty() {
                Val::Null(c.number)
            } else if c.number {
                match parse_num(c.text) {
                    Some(Num::Int(n)) => Val::Int(n),
                    Some(Num::Float(x)) => Val::Float(x),
                    None => Val::Text(c.text.into()),
                }
            } else {
                Val::Text(c.text.into())
            }
        }
        Node::Int(n) => Val::Int(*n),
        Node::Float(x) => Val::Float(x.clone()),
        Node::Str(s) => Val::Text(s.clone().into()),
        Node::Bool(b) => Val::Bool(*b),
        Node::Cmp(op, a, b) => {
            let (a, b) = (eval(a, cell), eval(b, cell));
            Val::Bool(compare(*op, &a, &b))
        }
        Node::Match { negate, subject, pattern } => {
            let text = eval(subject, cell).text();
            Val::Bool(pattern.is_match(&text) != *negate)
        }
    }
}

fn compare(op: Op, a: &Val, b: &Val) -> bool {
    use std::cmp::Ordering::*;
    // An empty cell as upstream compares it: an empty number is false
    // against any number (`!=` too), 0 against a float or a string, and
    // false against a boolean; an empty string sorts before every string,
    // equals another empty one and is false against a boolean. Against
    // anything else it equals nothing and is never less or greater (what
    // upstream does there follows no rule, see lsns-rs(8), NOTES).
    let zero = Val::Int(0);
    let zero_text = Val::Text(std::borrow::Cow::Borrowed(b"0"));
    let stand_in = |n: bool, other: &Val| -> Option<Result<Val<'static>, std::cmp::Ordering>> {
        match (n, other) {
            (true, Val::Bool(_)) => Some(Ok(Val::Bool(false))),
            (true, Val::Float(_)) => Some(Ok(zero.clone())),
            (true, Val::Text(_)) => Some(Ok(zero_text.clone())),
            (false, Val::Text(_)) => Some(Err(Less)),
            (false, Val::Null(false)) => Some(Err(Equal)),
            _ => None,
        }
    };
    let ord = match (a, b) {
        (Val::Null(n), other) => match stand_in(*n, other) {
            Some(Ok(x)) => return compare(op, &x, other),
            Some(Err(o)) => o,
            None => return op == Op::Ne && !*n && !matches!(other, Val::Bool(_)),
        },
        (other, Val::Null(n)) => match stand_in(*n, other) {
            Some(Ok(x)) => return compare(op, other, &x),
            Some(Err(o)) => o.reverse(),
            None => return op == Op::Ne && !*n && !matches!(other, Val::Bool(_)),
        },
        _ => {
            let ord = if matches!(a, Val::Bool(_)) || matches!(b, Val::Bool(_)) {
                Some(a.truth().cmp(&b.truth()))
            } else {
                match (a.number(), b.number()) {
                    (Some(x), Some(y)) if !(matches!(a, Val::Text(_)) && matches!(b, Val::Text(_))) => cmp_num(x, y),
                    _ => Some(a.text().cmp(&b.text())),
                }
            };
            match ord {
                Some(o) => o,
                None => return op == Op::Ne,
            }
        }
    };
    match op {
        Op::Eq => ord == Equal,
        Op::Ne => ord != Equal,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
        Op::Re | Op::NotRe => unreachable!("regex comparisons are Match nodes"),
    }
}

/// A POSIX extended regular expression (`regcomp(3)`, `REG_NOSUB`).
struct Regex {
    re: Box<libc::regex_t>,
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Regex")
    }
}

/// glibc's `regerror(3)` texts, by error code (`REG_NOERROR` … `REG_ERPAREN`;
/// musl numbers the codes it shares with glibc the same way).
const REG_MESSAGES: [&str; 17] = [
    "Success",
    "No match",
    "Invalid regular expression",
    "Invalid collation character",
    "Invalid character class name",
    "Trailing backslash",
    "Invalid back reference",
    "Unmatched [, [^, [:, [., or [=",
    "Unmatched ( or \\(",
    "Unmatched \\{",
    "Invalid content of \\{\\}",
    "Invalid range end",
    "Memory exhausted",
    "Invalid preceding regular expression",
    "Premature end of regular expression",
    "Regular expression too big",
    "Unmatched ) or \\)",
];

/// Whether util-linux 2.43 refuses `pattern` before compiling it, with a
/// message it never sets (`(null)`, which is what lsns-rs says then too):
/// more than 256 bytes; `*` or `+` right after `*` or `+`, or right after
/// a `)` with a `*` or `+` between it and the `(` before it (a repetition
/// of a repetition); a number above 1024 between a `{` and the next `}`
/// (or the end).
/// Upstream reads the text, not the expression: escaped and bracketed
/// characters count as well. Learnt by running it; this function and
/// upstream agree on 3,000 random patterns over `a()*+?{}[]\,` and digits
/// (tests/tests/head_errors_lsns.rs compares a sweep of them every run).
fn upstream_refuses(pattern: &[u8]) -> bool {
    if pattern.len() > 256 {
        return true;
    }
    let repeat = |b: u8| b == b'*' || b == b'+';
    for (i, &b) in pattern.iter().enumerate().skip(1) {
        if repeat(b) {
            let before = &pattern[..i - 1];
            match pattern[i - 1] {
                p if repeat(p) => return true,
                b')' if before.iter().rev().take_while(|&&c| c != b'(').any(|&c| repeat(c)) => return true,
                _ => {}
            }
        }
    }
    let mut rest = pattern;
    while let Some(open) = rest.iter().position(|&b| b == b'{') {
        rest = &rest[open + 1..];
        let end = rest.iter().position(|&b| b == b'}').unwrap_or(rest.len());
        let too_many = rest[..end].split(|b| !b.is_ascii_digit()).any(|digits| {
            digits
                .iter()
                .try_fold(0u32, |n, d| n.checked_mul(10)?.checked_add(u32::from(d - b'0')))
                .map_or(true, |n| n > 1024)
        });
        if too_many {
            return true;
        }
        rest = &rest[end..];
    }
    false
}

/// The CPU time the patterns of one expression may take to compile
/// ([`Filter::guarded`]); any that is meant to match a command line
/// compiles in microseconds.
pub const REGEX_CPU_SECONDS: u64 = 2;

/// Parse `expr` in a child under a CPU limit of [`REGEX_CPU_SECONDS`]: if
/// the limit kills it, the pattern it was compiling (the last offset it
/// reported) is too big. Whatever else the child meets (a syntax error, an
/// allocation failure) the parse here meets again and reports.
fn probe(expr: &str, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<(), FilterError> {
    use nix::sys::resource::{setrlimit, Resource};
    use nsutils_common::process::{self, ChildStatus, Fork};
    let Ok((rx, tx)) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC) else { return Ok(()) };
    // an inherited SIG_IGN would reap the child unseen (lsns-rs has no
    // other child, and execs nothing that would inherit this)
    process::default_and_unblock(libc::SIGCHLD);
    match process::fork() {
        Err(_) => Ok(()),
        Ok(Fork::Child) => {
            drop(rx);
            // nothing of the child's is to be seen (its allocation failure,
            // say, is reported by the parse that follows in the parent)
            if let Ok(null) = nsutils_common::ns::open_cloexec(std::path::Path::new("/dev/null"), libc::O_WRONLY) {
                let _ = nix::unistd::dup2_stderr(&null);
            }
            // SIGXCPU at the soft limit must end the child, whatever the
            // caller set up; SIGKILL a second later in any case (where the
            // caller's hard limit is lower and cannot be raised, theirs
            // ends it sooner)
            process::default_and_unblock(libc::SIGXCPU);
            let _ = setrlimit(Resource::RLIMIT_CPU, REGEX_CPU_SECONDS, REGEX_CPU_SECONDS + 1);
            let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
            let _ = Filter::parse_reporting(expr, resolve, Some(tx.as_fd()));
            process::exit_now(0)
        }
        Ok(Fork::Parent(child)) => {
            drop(tx);
            // read to the end first: the child blocks on a full pipe
            let mut last = 0;
            let mut buf = [0u8; 4096];
            loop {
                match nix::unistd::read(&rx, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if let Some(tail) = buf[..n].rchunks_exact(8).next() {
                            last = u64::from_ne_bytes(tail.try_into().expect("8 bytes")) as usize;
                        }
                    }
                    Err(nix::errno::Errno::EINTR) => {}
                    Err(_) => break,
                }
            }
            match process::wait_pid(child, 0) {
                Ok(ChildStatus::Signaled(_)) => Err(syntax(REG_MESSAGES[15], last)),
                _ => Ok(()),
            }
        }
    }
}

/// The most pattern nodes [`compiled_size`] lets regcomp build.
const MAX_REGEX_NODES: u64 = 1 << 20;

/// The largest sum of squared optional nodes and alternation branches
/// [`compiled_size`] lets regcomp build: `a{1,4096}` (some 130 MB), not
/// `a{1,4097}`; 4,095 `a|` before an `a`, not 4,096.
const MAX_REGEX_OPTIONAL: u64 = 4095 * 4095;

/// An upper bound of the nodes glibc's `regcomp` makes of an extended
/// regular expression. It copies the subexpression of every repetition
/// (`X+` is built as `XX*`, `X{m,n}` as n copies), so stacked or nested
/// repetitions grow exponentially: `a` followed by 60 `+` asks for more
/// memory than there is, and the process dies of it instead of failing.
/// Brackets and escapes count as one node; the bound is deliberately rough.
/// Groups nested deeper than [`MAX_DEPTH`] count as too big: regcomp
/// parses them by recursion, and some 30,000 of them overflow its stack.
///
/// Memory also grows with the square of the nodes a repetition makes
/// optional (each one's epsilon closure holds the ones after it:
/// `a{1,10000}` takes 790 MB, `a{1,32767}` 8 GB and 13 s) and of the
/// branches of one alternation (13,689 `a|` take 1.5 GB), so the sum of
/// those squares is bounded too ([`MAX_REGEX_OPTIONAL`]); past it the
/// pattern counts as too big.
fn compiled_size(pattern: &[u8]) -> u64 {
    // the sum over repetitions of (nodes made optional)², and over
    // alternations of (branches)²
    let mut optional: u64 = 0;
    // per open group: its `|` so far
    let mut branches: Vec<u64> = vec![0];
    let mut quadratic = |nodes: u64| optional = optional.saturating_add(nodes.saturating_mul(nodes));
    // per open group: (nodes so far, nodes of the last atom)
    let mut frames: Vec<(u64, u64)> = vec![(0, 0)];
    let mut i = 0;
    let atom = |frames: &mut Vec<(u64, u64)>, n: u64| {
        let f = frames.last_mut().expect("a frame");
        f.0 = f.0.saturating_add(n);
        f.1 = n;
    };
    // `times` copies of the last atom, `optional` of them optional; returns
    // the nodes made optional
    let repeat = |frames: &mut Vec<(u64, u64)>, times: u64, optional: u64| {
        let f = frames.last_mut().expect("a frame");
        let made_optional = f.1.saturating_mul(optional);
        let grown = f.1.saturating_mul(times).saturating_add(1);
        f.0 = f.0.saturating_sub(f.1).saturating_add(grown);
        f.1 = grown;
        made_optional
    };
    while i < pattern.len() {
        match pattern[i] {
            b'\\' => {
                i += 1;
                atom(&mut frames, 1);
            }
            b'[' => {
                // a bracket expression: `]` first (after an optional `^`) is
                // a member; `[:…:]`, `[=…=]` and `[.….]` are skipped whole
                i += 1;
                if pattern.get(i) == Some(&b'^') {
                    i += 1;
                }
                if pattern.get(i) == Some(&b']') {
                    i += 1;
                }
                while i < pattern.len() && pattern[i] != b']' {
                    if pattern[i] == b'[' && matches!(pattern.get(i + 1), Some(b':' | b'=' | b'.')) {
                        let close = pattern[i + 1];
                        i += 2;
                        while i + 1 < pattern.len() && !(pattern[i] == close && pattern[i + 1] == b']') {
                            i += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                atom(&mut frames, 1);
            }
            b'(' if frames.len() > MAX_DEPTH => return u64::MAX,
            b'(' => {
                frames.push((0, 0));
                branches.push(0);
            }
            b')' if frames.len() > 1 => {
                quadratic(branches.pop().unwrap_or(0));
                let (n, _) = frames.pop().expect("a group");
                atom(&mut frames, n.saturating_add(1));
            }
            b'|' => {
                frames.last_mut().expect("a frame").1 = 0;
                if let Some(b) = branches.last_mut() {
                    *b += 1;
                }
            }
            // X* and X? make X optional; X+ is XX*
            b'*' | b'?' => quadratic(repeat(&mut frames, 1, 1)),
            b'+' => quadratic(repeat(&mut frames, 2, 1)),
            b'{' => {
                let end = pattern[i..].iter().position(|&b| b == b'}').map(|p| i + p);
                // {m}, {m,n} (n - m optional copies), {m,} (as {m} then X*)
                let bound = end.and_then(|e| {
                    let inner = std::str::from_utf8(&pattern[i + 1..e]).ok()?;
                    let mut parts = inner.splitn(2, ',');
                    let low: u64 = parts.next()?.trim().parse().ok()?;
                    let high = match parts.next() {
                        None => low,
                        Some(h) => h.trim().parse::<u64>().unwrap_or(low.saturating_add(1)),
                    };
                    Some((e, low.max(high).max(1), high.saturating_sub(low)))
                });
                match bound {
                    Some((e, times, optional)) => {
                        quadratic(repeat(&mut frames, times, optional));
                        i = e;
                    }
                    None => atom(&mut frames, 1),
                }
            }
            _ => atom(&mut frames, 1),
        }
        i += 1;
    }
    for b in branches {
        quadratic(b);
    }
    if optional > MAX_REGEX_OPTIONAL {
        return u64::MAX;
    }
    frames.iter().fold(0u64, |sum, f| sum.saturating_add(f.0))
}

impl Regex {
    fn new(pattern: &[u8]) -> Result<Regex, String> {
        let c = CString::new(pattern).map_err(|_| "regular expression contains a NUL byte".to_string())?;
        // refuse what regcomp would exhaust memory on (util-linux just tries)
        if compiled_size(pattern) > MAX_REGEX_NODES {
            return Err(REG_MESSAGES[15].to_string());
        }
        // libc, not nix: regex(3) is the C library's, as util-linux's is
        // (nix has none); a Rust regex crate would speak another dialect.
        // SAFETY: an all-zero regex_t is a valid argument for regcomp to
        // fill; c is NUL-terminated.
        let (rc, re) = unsafe {
            let mut re: Box<libc::regex_t> = Box::new(std::mem::zeroed());
            (libc::regcomp(&mut *re, c.as_ptr(), libc::REG_EXTENDED | libc::REG_NOSUB), re)
        };
        if rc != 0 {
            // glibc's words (upstream's message) in every build: musl's
            // regerror words the same codes otherwise
            if let Some(m) = usize::try_from(rc).ok().and_then(|i| REG_MESSAGES.get(i)) {
                return Err(m.to_string());
            }
            let mut buf = [0u8; 256];
            // SAFETY: regerror writes at most buf.len() bytes, NUL-terminated.
            unsafe { libc::regerror(rc, &*re, buf.as_mut_ptr().cast(), buf.len()) };
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            return Err(nsutils_common::bytes::Raw(&buf[..end]).to_string());
        }
        Ok(Regex { re })
    }

    fn is_match(&self, text: &[u8]) -> bool {
        let Ok(c) = CString::new(text) else { return false };
        // SAFETY: a compiled regex and a NUL-terminated subject; REG_NOSUB
        // means no match array is written.
        unsafe { libc::regexec(&*self.re, c.as_ptr(), 0, std::ptr::null_mut(), 0) == 0 }
    }
}

impl Drop for Regex {
    fn drop(&mut self) {
        // SAFETY: the regex was compiled by regcomp and is freed once.
        unsafe { libc::regfree(&mut *self.re) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [(&str, bool); 6] =
        [("NS", true), ("TYPE", false), ("NPROCS", true), ("NETNSID", false), ("COMMAND", false), ("PID", true)];

    fn resolve(name: &str) -> Option<usize> {
        COLS.iter().position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn parse(expr: &str) -> Result<Filter, FilterError> {
        Filter::parse(expr, &resolve)
    }

    fn run(expr: &str, row: [&str; 6]) -> bool {
        let f = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
        f.matches(&mut |id| Cell { text: row[id].as_bytes(), number: COLS[id].1 })
    }

    const NET: [&str; 6] = ["4026531840", "net", "1", "7", "sleep 1800", "42"];
    const USER: [&str; 6] = ["4026531837", "user", "75", "", "kthreadd", "2"];
    const PERSIST: [&str; 6] = ["4026532259", "uts", "0", "", "", ""];

    #[test]
    fn the_issue_examples() {
        assert!(run("NS == 4026531840 && NPROCS == 1", NET));
        assert!(!run("NS == 4026531840 && NPROCS == 1", USER));
        assert!(run("NETNSID == '7'", NET));
        assert!(run("NETNSID == \"7\"", NET));
        assert!(run("TYPE == \"net\"", NET));
        assert!(!run("TYPE == \"net\"", USER));
        assert!(run("COMMAND =~ \"^sleep\"", NET));
        assert!(!run("COMMAND =~ \"^sleep\"", USER));
    }

    #[test]
    fn word_operators_and_case() {
        assert!(run("TYPE eq 'net' AND NPROCS GE 1 and not PID lt 42", NET));
        assert!(run("NPROCS gt 1 OR TYPE EQ 'net'", USER));
        assert!(run("NPROCS LE 75 && NPROCS ge 75 && NPROCS ne 74", USER));
        assert!(run("type == 'net'", NET), "column names are case-insensitive");
    }

    #[test]
    fn every_symbolic_comparison() {
        for (e, want) in [
            ("NPROCS == 75", true),
            ("NPROCS != 75", false),
            ("NPROCS < 76", true),
            ("NPROCS <= 75", true),
            ("NPROCS > 75", false),
            ("NPROCS >= 76", false),
            ("COMMAND !~ 'thread'", false),
            ("COMMAND =~ 'k.*d$'", true),
        ] {
            assert_eq!(run(e, USER), want, "{e}");
        }
    }

    #[test]
    fn numbers_compare_numerically_not_as_text() {
        assert!(run("NPROCS > 9", USER), "75 > 9 numerically");
        assert!(run("NS > 4026531836", USER));
        assert!(run("NPROCS == 75.0", USER));
        assert!(run("NPROCS < 75.5", USER));
        assert!(run("NETNSID == 7", NET), "a string column against a number");
        assert!(run("NS == '4026531837'", USER), "a number column against a numeric string");
    }

    #[test]
    fn size_suffixes() {
        let row = ["1024", "x", "1048576", "", "", "1000"];
        assert!(run("NS == 1K && NS == 1KiB", row));
        assert!(run("NPROCS == 1M && NPROCS == 1MiB", row));
        assert!(run("1G == 1073741824 && 15E == 17293822569102704640", row));
        // the next token, as upstream's scanner reads them
        for e in ["NS == 1Q", "NS == 1KB", "NS == 1k", "NS == 0x10", "1e5"] {
            assert_eq!(err(e).0, "syntax error, unexpected HOLDER, expecting end of file", "{e}");
        }
        assert_eq!(err("NS == 16E").0, "\"16E\" token error: Numerical result out of range");
        assert_eq!(err("1Y").0, "\"1Y\" token error: Numerical result out of range");
        // digits beyond 64 bits are the largest number, as strtoumax reads them
        assert!(run("99999999999999999999 == 18446744073709551615", row));
    }

    #[test]
    fn bare_columns_mean_not_empty_and_empty_cells() {
        assert!(run("NETNSID", NET));
        assert!(!run("NETNSID", USER));
        assert!(run("!NETNSID", USER));
        assert!(run("not PID", PERSIST));
        // as upstream: an empty number is false against any number, != too
        for e in ["PID == 0", "PID != 0", "PID < 5", "PID >= 5", "5 != PID", "PID != NS", "PID == PID"] {
            assert!(!run(e, PERSIST), "{e}");
        }
        // ... 0 against a float or a string, false against a boolean
        assert!(run("PID < 5.5", PERSIST) && run("PID != 5.5", PERSIST) && !run("PID == 5.5", PERSIST));
        assert!(run("PID > ''", PERSIST) && run("PID < 'x'", PERSIST) && run("'' < PID", PERSIST));
        assert!(run("PID == false", PERSIST) && run("PID < true", PERSIST));
        // an empty string sorts before every string, "" too
        assert!(!run("COMMAND == ''", PERSIST) && run("COMMAND != ''", PERSIST) && run("COMMAND < ''", PERSIST));
        assert!(
            run("'' > COMMAND", PERSIST) && run("COMMAND == COMMAND", PERSIST) && !run("COMMAND != COMMAND", PERSIST)
        );
        assert!(!run("COMMAND == false", PERSIST) && !run("COMMAND != false", PERSIST));
        assert!(run("NETNSID != '7'", USER));
    }

    #[test]
    fn booleans_precedence_and_parentheses() {
        assert!(run("true", USER));
        assert!(!run("false || FALSE", USER));
        assert!(run("TYPE == 'x' || TYPE == 'user' && NPROCS == 75", USER), "&& binds tighter than ||");
        assert!(!run("(TYPE == 'x' || TYPE == 'user') && NPROCS == 1", USER));
        assert!(run("!(TYPE == 'net')", USER));
        assert!(run("(TYPE == 'user') == true", USER));
    }

    #[test]
    fn strings_and_escapes() {
        let row = ["1", "it's \"x\"", "1", "", "a\\b", "1"];
        // nothing escapes anything (upstream's scanner): each quote holds
        // the other
        assert!(run(r#"TYPE =~ "^it's " && TYPE =~ ' "x"$'"#, row));
        assert!(run(r#"COMMAND == 'a\b' && COMMAND == "a\b""#, row));
        assert_eq!(err(r#"TYPE == 'it\'s'"#).0, "syntax error, unexpected HOLDER, expecting end of file");
        assert_eq!(err(r#"TYPE == "it's \"x\"""#).0, "syntax error, unexpected HOLDER, expecting end of file");
        assert!(run("TYPE > 'a' && TYPE < 'j'", row), "strings compare bytewise");
    }

    #[test]
    fn holders_are_listed_once() {
        let f = parse("NS == 1 || (NS == 2 && TYPE =~ 'n')").unwrap();
        assert_eq!(f.holders(), &[0, 1]);
    }

    fn err(expr: &str) -> (String, usize) {
        match parse(expr) {
            Err(FilterError::Syntax { message, offset }) => (message, offset),
            other => panic!("{expr}: {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_name_the_token_and_point_at_it() {
        // upstream's token names; "expecting end of file" after a whole
        // expression, nothing expected inside parentheses or before an operand
        assert_eq!(err("NS =="), ("syntax error, unexpected end of file".into(), 5));
        assert_eq!(err("NS == 1 )"), ("syntax error, unexpected ')', expecting end of file".into(), 8));
        assert_eq!(err("(NS == 1"), ("syntax error, unexpected end of file".into(), 8));
        assert_eq!(err("(NS 1)"), ("syntax error, unexpected NUMBER".into(), 4));
        assert_eq!(err("NS == == 1"), ("syntax error, unexpected EQ".into(), 6));
        assert_eq!(err("NS 1"), ("syntax error, unexpected NUMBER, expecting end of file".into(), 3));
        assert_eq!(err("!NS 1.5"), ("syntax error, unexpected FLOAT, expecting end of file".into(), 4));
        assert_eq!(err("&& NS"), ("syntax error, unexpected AND".into(), 0));
        assert_eq!(err("NS || || NS"), ("syntax error, unexpected OR".into(), 6));
        assert_eq!(err("NS not"), ("syntax error, unexpected NEG, expecting end of file".into(), 3));
        for (op, name) in
            [("!=", "NE"), ("<", "LT"), ("<=", "LE"), (">", "GT"), (">=", "GE"), ("=~", "REG"), ("!~", "NREG")]
        {
            assert_eq!(err(&format!("{op} 1")).0, format!("syntax error, unexpected {name}"));
        }
        assert_eq!(err("NS true").0, "syntax error, unexpected TRUE, expecting end of file");
        assert_eq!(err("NS FALSE").0, "syntax error, unexpected FALSE, expecting end of file");
        assert_eq!(err("NS 'x'").0, "syntax error, unexpected STRING, expecting end of file");
        assert_eq!(err("NS NS").0, "syntax error, unexpected HOLDER, expecting end of file");
        assert_eq!(err("NS ("), ("syntax error, unexpected '(', expecting end of file".into(), 3));
        assert_eq!(err("NS == 'abc"), ("syntax error, unexpected invalid token".into(), 6));
        assert_eq!(err("'"), ("syntax error, unexpected invalid token".into(), 0));
        assert_eq!(err(""), ("syntax error, unexpected end of file".into(), 0));
        // what the language does not know is skipped, as upstream's scanner does
        assert_eq!(err("NS @ 1"), ("syntax error, unexpected NUMBER, expecting end of file".into(), 5));
        assert_eq!(err("\""), ("syntax error, unexpected end of file".into(), 1));
        assert_eq!(parse("NS == $X").unwrap_err(), FilterError::UnknownColumn(vec!["X".into()]));
        assert_eq!(parse("_NS").unwrap().holders(), &[0]);
        assert!(run("$NS == 4026531840 @", NET));
        // a pattern is a string and nothing else
        assert_eq!(err("NS =~ 1"), ("(null)".into(), 6));
        assert_eq!(err("NS =~ BOGUS"), ("(null)".into(), 6));
        let (m, off) = err("COMMAND =~ '('");
        assert_eq!(m, "Unmatched ( or \\(");
        assert_eq!(off, 11);
        assert_eq!(err("COMMAND =~ '[a'").0, "Unmatched [, [^, [:, [., or [=");
        assert_eq!(FilterError::pointer("NS ==", 5), "    NS ==\n         ^");
        // found by tests/tests/hostile_limits.rs: a width past 65535 panicked
        let long = "'".repeat(100_000);
        assert!(FilterError::pointer(&long, 99_999).ends_with(&format!("{}^", " ".repeat(99_999))));
    }

    #[test]
    fn regexes_too_big_to_compile_are_refused() {
        // found by fuzz/fuzz_targets/lsns_filter.rs: glibc's regcomp copies
        // the operand of every repetition, and this asked for gigabytes
        // (upstream refuses stacked `+` itself now, before the bound)
        let pluses = "+".repeat(88);
        assert_eq!(compiled_size(format!("l8>TRU{pluses}").as_bytes()), u64::MAX);
        let (m, _) = err(&format!("COMMAND =~ 'l8>TRU{pluses}'"));
        assert_eq!(m, "(null)");
        // nested counts upstream lets through
        let (m, _) = err("COMMAND =~ '((((a{1,100}){1,100}){1,100}){1,100})'");
        assert_eq!(m, "Regular expression too big");
        let (m, _) = err("COMMAND =~ 'a{1,1000}{1,1000}'");
        assert_eq!(m, "Regular expression too big");
        // ordinary ones are well below the bound
        for re in ["^sl.*p$", "[[:alpha:]]+[]x]*", "a{2,3}(b|c)+", "x\\+{3}", "(ab)?(cd)*"] {
            assert!(compiled_size(re.as_bytes()) < 100, "{re}: {}", compiled_size(re.as_bytes()));
            assert!(Regex::new(re.as_bytes()).is_ok(), "{re}");
        }
        assert!(compiled_size(b"a{1000}") > 1000);
        assert!(compiled_size(b"(a+)+") < compiled_size(b"((a+)+)+"));
    }

    #[test]
    fn what_upstream_refuses_before_compiling() {
        // (tests/tests/head_errors_lsns.rs compares many more with upstream)
        let refused = |p: &str| upstream_refuses(p.as_bytes());
        // a repetition right after one, or after a group holding one
        assert!(refused("b*+") && refused("c+*") && refused("(d+e)*") && !refused("(d?e)*"));
        // back to the nearest `(`, not the matching one
        assert!(!refused("(f*(g))+") && refused("((g)f*)+"));
        // the text, not the expression: escaped and bracketed ones count
        assert!(refused("h\\*+") && refused("(i[+])*") && !refused("j*\\+"));
        // numbers in braces, wherever they stand before the `}`
        assert!(refused("k{2,1025}") && refused("[{1025}]") && !refused("l{1024}") && !refused("m{1}1025"));
        assert!(!upstream_refuses(&[b'a'; 256]));
        assert!(upstream_refuses(&[b'a'; 257]));
        let (m, at) = err("NS > 1 && COMMAND =~ 'x**'");
        assert_eq!((m.as_str(), at), ("(null)", 21));
    }

    #[test]
    fn regexes_quadratic_in_memory_are_refused() {
        // found by fuzz/fuzz_targets/lsns_args.rs (4 GB, over a minute):
        // optional nodes whose epsilon closures hold each other
        // (upstream refuses stacked `+` and counts above 1024 itself now,
        // before the bound)
        let found = "oo#+++++++++++++&\u{7f}++++?+++++++++++++\u{cf}++++Q";
        assert_eq!(compiled_size(found.as_bytes()), u64::MAX);
        let (m, _) = err(&format!("3=~'{found}'"));
        assert_eq!(m, "(null)");
        // a{1,10000} takes 790 MB; the bound is a{1,4096}
        assert!(Regex::new(b"a{1,4096}").is_ok());
        assert_eq!(Regex::new(b"a{1,4097}").unwrap_err(), "Regular expression too big");
        let (m, _) = err("COMMAND =~ 'a{1,4097}'");
        assert_eq!(m, "(null)");
        // found by fuzz/fuzz_targets/lsns_filter_deep.rs (3 GB): branches
        // of one alternation, 13,689 `||`; the bound is 4,096 branches
        let alternation = |n: usize| format!("{}a", "a|".repeat(n));
        assert!(Regex::new(alternation(4095).as_bytes()).is_ok());
        assert_eq!(Regex::new(alternation(4096).as_bytes()).unwrap_err(), "Regular expression too big");
        assert_eq!(Regex::new("||".repeat(13_689).as_bytes()).unwrap_err(), "Regular expression too big");
        // (more than 256 bytes: upstream refuses them first)
        let (m, _) = err(&format!("COMMAND =~ '{}'", alternation(4096)));
        assert_eq!(m, "(null)");
        // branches in separate groups count apart
        let groups = format!("({})({})", alternation(2000), alternation(2000));
        assert!(compiled_size(groups.as_bytes()) < MAX_REGEX_NODES);
    }

    #[test]
    fn nesting_beyond_the_bound_is_refused_with_upstreams_message_not_a_crash() {
        // each of these overflowed the stack (parse, evaluation or drop)
        let nested = |open: &str, close: &str, n: usize| format!("{}NS{}", open.repeat(n), close.repeat(n));
        for (expr, n) in [
            (nested("(", ")", MAX_DEPTH), true),
            (nested("(", ")", MAX_DEPTH + 1), false),
            (nested("(", ")", 7000), false),
            (nested("!", "", MAX_DEPTH), true),
            (nested("!", "", MAX_DEPTH + 1), false),
            (nested("!", "", 64 * 1024), false),
            (nested("!(", ")", MAX_DEPTH / 2), true),
            (nested("!(", ")", MAX_DEPTH / 2 + 1), false),
            (nested("NS==", "", MAX_DEPTH), true),
            (nested("NS==", "", MAX_DEPTH + 1), false),
            (nested("1<", "", 64 * 1024), false),
            (nested("(NS==", ")", 4000), false),
        ] {
            match parse(&expr) {
                Ok(f) => {
                    assert!(n, "{} bytes accepted", expr.len());
                    f.matches(&mut |_| Cell { text: b"1", number: true });
                }
                Err(e) => {
                    assert!(!n, "{} bytes: {e:?}", expr.len());
                    assert!(
                        matches!(e, FilterError::Syntax { ref message, .. } if message == "memory exhausted"),
                        "{e:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn flat_chains_of_any_length_parse_evaluate_and_drop() {
        // 128 KiB, the most one argument can hold
        let and = vec!["NS"; 32 * 1024].join("&&");
        assert!(run(&and, NET));
        assert!(!run(&format!("{and}&&PID==1"), NET));
        let or = vec!["NS==1"; 20 * 1024].join(" || ");
        assert!(!run(&or, NET));
        assert!(run(&format!("{or} || TYPE=='net'"), NET));
        let mixed = vec!["NS && !PID || NPROCS"; 6000].join(" || ");
        assert!(run(&mixed, NET));
    }

    #[test]
    fn regex_groups_nested_too_deep_are_refused() {
        // some 30,000 groups overflowed regcomp's stack
        let re = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert!(Regex::new(re(MAX_DEPTH).as_bytes()).is_ok());
        for n in [MAX_DEPTH + 1, 30_000, 60_000] {
            assert_eq!(Regex::new(re(n).as_bytes()).unwrap_err(), "Regular expression too big", "{n}");
            // (more than 256 bytes: upstream refuses them first)
            let (m, _) = err(&format!("COMMAND =~ '{}'", re(n)));
            assert_eq!(m, "(null)", "{n}");
        }
        assert!(parse(&format!("COMMAND =~ '{}'", re(127))).is_ok());
    }

    #[test]
    fn strings_carry_raw_bytes() {
        // option values reach the parser with non-UTF-8 bytes escaped
        let expr = format!(
            "COMMAND == '{}' && COMMAND =~ '^a{}'",
            nsutils_common::bytes::text(b"a\xffb"),
            nsutils_common::bytes::text(b"\xff")
        );
        let f = parse(&expr).unwrap();
        assert!(f.matches(&mut |_| Cell { text: b"a\xffb", number: false }));
        assert!(!f.matches(&mut |_| Cell { text: "a\u{10FFFF}b".as_bytes(), number: false }));
        // and ones that are no text are skipped as any unknown character
        let bad = nsutils_common::bytes::text(b"NS \xff== 1");
        assert!(parse(&bad).is_ok());
    }

    #[test]
    fn unknown_columns_are_reported_by_name() {
        assert_eq!(parse("FOO == 1").unwrap_err(), FilterError::UnknownColumn(vec!["FOO".into()]));
        assert_eq!(parse("NS == 1 && bar").unwrap_err(), FilterError::UnknownColumn(vec!["bar".into()]));
        // every one, each time, in order (as upstream)
        let names = |v: &[&str]| FilterError::UnknownColumn(v.iter().map(|n| n.to_string()).collect());
        assert_eq!(parse("B2 || NS || B1 && B2").unwrap_err(), names(&["B2", "B1", "B2"]));
        // after the syntax
        assert!(matches!(parse("B2 1"), Err(FilterError::Syntax { .. })));
    }

    #[test]
    fn decimals_compare_exactly_and_print_shortest() {
        let d = |t: &str| Decimal::parse(t.as_bytes()).unwrap();
        assert_eq!(d("1.50").to_string(), "1.5");
        assert_eq!(d("007.000").to_string(), "7");
        assert_eq!(d("-.25").to_string(), "-0.25");
        assert_eq!(d("-0.0").to_string(), "0");
        assert!(d("1.5") > d("1.49999999999999999999999"));
        assert!(d("-1.5") < d("-1.4") && d("-0.1") < d("0.0"));
        assert!(d("10.0") > d("9.99") && d("0.1") == d(".10"));
        assert_eq!(cmp_num(Num::Int(75), Num::Float(d("75.0"))), Some(std::cmp::Ordering::Equal));
        assert_eq!(cmp_num(Num::Int(-2), Num::Float(d("-1.5"))), Some(std::cmp::Ordering::Less));
        for bad in ["", "-", ".", "1.2.3", "1-2", "1e5", "+1.5"] {
            assert_eq!(Decimal::parse(bad.as_bytes()), None, "{bad}");
        }
    }
}
