//! The ratatui backend the wizard draws with. ratatui hands it only the cells that changed
//! since the last frame; this writes them with as few bytes as it can, and sends a whole
//! frame in one write: over SSH every byte and every packet is latency.
//!
//! Compared with writing each change as it comes, it
//! - moves the cursor only when the next cell is not where printing left it, and then with
//!   the shortest sequence (`CSI n C` on the same row, `CR`, or an absolute `CSI r;c H`);
//! - changes attributes in one SGR sequence, from what is set to what is wanted (or from a
//!   reset, whichever is shorter), and resets them once at the end of a frame only if needed;
//! - shows, hides and places the terminal cursor only when that changes anything;
//! - writes nothing at all for a frame in which nothing changed.
//!
//! Where the cursor is after printing is tracked like ratatui does: the next cell on the same
//! row needs no move. A relative move is used only after characters whose width no terminal
//! disagrees on; after one of ambiguous width (`•`, `—`, arrows: double in some East Asian
//! set-ups) the next move is absolute, so a terminal that disagrees is put right at once.

use std::cell::Cell as StdCell;
use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

pub struct CompactBackend<W: Write> {
    out: W,
    /// The frame being written; sent by [`Backend::flush`].
    buf: Vec<u8>,
    /// Where the terminal's cursor is, when known.
    at: Option<At>,
    /// Whether the cursor is shown, when known.
    shown: Option<bool>,
    /// A fixed size (tests); `None` asks the terminal.
    fixed: Option<Size>,
    /// The width last seen, to know when printing reaches the last column.
    width: StdCell<u16>,
    /// A terminal without UTF-8: marks are drawn as ASCII, column for column.
    ascii: bool,
}

/// Where the cursor is: `exact` when every character printed on the way has a width that no
/// terminal disagrees on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct At {
    pos: Position,
    exact: bool,
}

impl<W: Write> CompactBackend<W> {
    /// A backend on a real terminal: the size comes from the terminal.
    pub fn new(out: W) -> Self {
        CompactBackend {
            out,
            buf: Vec::with_capacity(8 * 1024),
            at: None,
            shown: None,
            fixed: None,
            width: StdCell::new(0),
            ascii: false,
        }
    }

    /// Draws marks as ASCII (`v > * - ~`) for a terminal whose locale is not UTF-8.
    pub fn ascii(mut self, on: bool) -> Self {
        self.ascii = on;
        self
    }

    /// A backend of a fixed size that never asks a terminal (for tests).
    pub fn with_size(out: W, size: Size) -> Self {
        let mut b = CompactBackend::new(out);
        b.fixed = Some(size);
        b.width.set(size.width);
        b
    }

    pub fn writer(&self) -> &W {
        &self.out
    }

    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Moves the cursor to `to` with the shortest sequence that gets there for sure.
    fn move_to(&mut self, to: Position) {
        if self.at.is_some_and(|a| a.pos == to) {
            return;
        }
        self.jump(to);
    }

    /// Moves the cursor to `to` even when it should be there already: relative only from an
    /// exactly known place, absolute otherwise.
    fn jump(&mut self, to: Position) {
        let exact_from = match self.at {
            Some(At {
                pos: at,
                exact: true,
            }) => Some(at),
            _ => None,
        };
        match exact_from {
            Some(at) if at == to => {}
            Some(at) if at.y == to.y && relative_len(at.x, to.x) < absolute_len(to) => {
                relative(at.x, to.x, &mut self.buf);
            }
            _ => absolute(to, &mut self.buf),
        }
        self.at = Some(At {
            pos: to,
            exact: true,
        });
    }

    /// Where printing `symbol` leaves the cursor, if it is known.
    fn after_print(&self, symbol: &str) -> Option<At> {
        let at = self.at?;
        let (w, exact) = match symbol.as_bytes() {
            [_] if crate::text::is_printable_ascii(symbol) => (1, true),
            _ => {
                let mut chars = symbol.chars();
                if chars.next().is_none() || chars.next().is_some() {
                    // Nothing, or a cluster of several characters: widths vary.
                    return None;
                }
                let w = symbol.width();
                if w == 0 {
                    return None;
                }
                (w as u16, w == symbol.width_cjk())
            }
        };
        let x = at.pos.x.checked_add(w)?;
        // At the last column the cursor waits in a "pending wrap" state: not known.
        (x < self.width.get()).then_some(At {
            pos: Position::new(x, at.pos.y),
            exact: at.exact && exact,
        })
    }
}

/// `CSI row;col H`, shortened where the defaults (1) allow.
fn absolute(to: Position, out: &mut Vec<u8>) {
    let (row, col) = (u32::from(to.y) + 1, u32::from(to.x) + 1);
    out.extend_from_slice(b"\x1b[");
    if (row, col) != (1, 1) {
        push_num(out, row);
    }
    if col != 1 {
        out.push(b';');
        push_num(out, col);
    }
    out.push(b'H');
}

/// The length of [`absolute`]'s sequence.
fn absolute_len(to: Position) -> usize {
    let (row, col) = (u32::from(to.y) + 1, u32::from(to.x) + 1);
    match (row, col) {
        (1, 1) => 3,
        (r, 1) => 3 + digits(r),
        (r, c) => 4 + digits(r) + digits(c),
    }
}

/// On the same row from column `from` to `to`: `CR` to the first column, else `CSI n C` or
/// `CSI n D` (n = 1 left out).
fn relative(from: u16, to: u16, out: &mut Vec<u8>) {
    if to == 0 {
        out.push(b'\r');
        return;
    }
    let (n, op) = if to > from {
        (to - from, b'C')
    } else {
        (from - to, b'D')
    };
    out.extend_from_slice(b"\x1b[");
    if n != 1 {
        push_num(out, u32::from(n));
    }
    out.push(op);
}

/// The length of [`relative`]'s sequence.
fn relative_len(from: u16, to: u16) -> usize {
    match u32::from(from.abs_diff(to)) {
        _ if to == 0 => 1,
        1 => 3,
        n => 3 + digits(n),
    }
}

fn push_num(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn digits(n: u32) -> usize {
    itoa::Buffer::new().format(n).len()
}

/// The attributes a cell is drawn with.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl Pen {
    const PLAIN: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }
}

const MODIFIER_ON: [(Modifier, u8); 9] = [
    (Modifier::BOLD, 1),
    (Modifier::DIM, 2),
    (Modifier::ITALIC, 3),
    (Modifier::UNDERLINED, 4),
    (Modifier::SLOW_BLINK, 5),
    (Modifier::RAPID_BLINK, 6),
    (Modifier::REVERSED, 7),
    (Modifier::HIDDEN, 8),
    (Modifier::CROSSED_OUT, 9),
];

/// SGR parameters being gathered, on the stack: the longest list (every "off" code, every
/// modifier and two RGB colours) is under 80 bytes.
struct Params {
    bytes: [u8; 96],
    len: usize,
}

impl Params {
    fn new() -> Params {
        Params {
            bytes: [0; 96],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push_byte(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// Starts the next parameter.
    fn next(&mut self) {
        if self.len > 0 {
            self.push_byte(b';');
        }
    }

    fn num(&mut self, n: u32) {
        for &d in itoa::Buffer::new().format(n).as_bytes() {
            self.push_byte(d);
        }
    }

    fn param(&mut self, n: u32) {
        self.next();
        self.num(n);
    }

    fn modifiers(&mut self, m: Modifier) {
        for (flag, code) in MODIFIER_ON {
            if m.contains(flag) {
                self.param(u32::from(code));
            }
        }
    }

    /// The parameters of a colour; `base` is 30 for the foreground, 40 for the background.
    fn color(&mut self, c: Color, base: u32) {
        let named = |i: u32| if i < 8 { base + i } else { base + 60 + i - 8 };
        let code = match c {
            Color::Reset => base + 9,
            Color::Black => named(0),
            Color::Red => named(1),
            Color::Green => named(2),
            Color::Yellow => named(3),
            Color::Blue => named(4),
            Color::Magenta => named(5),
            Color::Cyan => named(6),
            Color::Gray => named(7),
            Color::DarkGray => named(8),
            Color::LightRed => named(9),
            Color::LightGreen => named(10),
            Color::LightYellow => named(11),
            Color::LightBlue => named(12),
            Color::LightMagenta => named(13),
            Color::LightCyan => named(14),
            Color::White => named(15),
            Color::Indexed(i) => {
                for n in [base + 8, 5, u32::from(i)] {
                    self.param(n);
                }
                return;
            }
            Color::Rgb(r, g, b) => {
                for n in [base + 8, 2, u32::from(r), u32::from(g), u32::from(b)] {
                    self.param(n);
                }
                return;
            }
        };
        self.param(code);
    }
}

/// One SGR sequence from `from` to `to`: the changes, or a reset and all of `to`, whichever
/// is shorter.
fn sgr(from: Pen, to: Pen, out: &mut Vec<u8>) {
    // From a reset.
    let mut full = Params::new();
    full.param(0);
    full.modifiers(to.modifier);
    if to.fg != Color::Reset {
        full.color(to.fg, 30);
    }
    if to.bg != Color::Reset {
        full.color(to.bg, 40);
    }
    // The changes.
    let mut step = Params::new();
    let removed = from.modifier - to.modifier;
    let mut added = to.modifier - from.modifier;
    let intensity = Modifier::BOLD | Modifier::DIM;
    let blink = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    if removed.intersects(intensity) {
        // 22 turns both bold and dim off: put back the one that stays.
        step.param(22);
        added |= to.modifier & intensity;
    }
    if removed.intersects(blink) {
        step.param(25);
        added |= to.modifier & blink;
    }
    for (flag, code) in [
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::REVERSED, 27),
        (Modifier::HIDDEN, 28),
        (Modifier::CROSSED_OUT, 29),
    ] {
        if removed.contains(flag) {
            step.param(code);
        }
    }
    step.modifiers(added);
    if from.fg != to.fg {
        step.color(to.fg, 30);
    }
    if from.bg != to.bg {
        step.color(to.bg, 40);
    }
    let params = if step.len <= full.len { &step } else { &full };
    out.extend_from_slice(b"\x1b[");
    // "CSI 0 m" and "CSI m" are the same reset.
    if params.as_bytes() != b"0" {
        out.extend_from_slice(params.as_bytes());
    }
    out.push(b'm');
}

impl<W: Write> Backend for CompactBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Between frames the attributes are always reset.
        let mut pen = Pen::PLAIN;
        for (x, y, cell) in content {
            let here = Position::new(x, y);
            self.move_to(here);
            let want = Pen::of(cell);
            if want != pen {
                sgr(pen, want, &mut self.buf);
                pen = want;
            }
            let symbol = if self.ascii {
                crate::text::ascii_cell(cell.symbol())
            } else {
                std::borrow::Cow::Borrowed(cell.symbol())
            };
            self.buf.extend_from_slice(symbol.as_bytes());
            self.at = self.after_print(&symbol);
        }
        if pen != Pen::PLAIN {
            self.buf.extend_from_slice(b"\x1b[m");
        }
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        for _ in 0..n {
            self.buf.push(b'\n');
        }
        self.at = None;
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.shown != Some(false) {
            self.buf.extend_from_slice(b"\x1b[?25l");
            self.shown = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.shown != Some(true) {
            self.buf.extend_from_slice(b"\x1b[?25h");
            self.shown = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.flush()?;
        crossterm::cursor::position()
            .map(|(x, y)| Position::new(x, y))
            .map_err(io::Error::other)
    }

    /// The visible cursor is placed for sure: after characters of ambiguous width it is
    /// placed absolutely even when it should be right already.
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.jump(position.into());
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    /// Also forgets what it knew of the cursor: a clear follows a resize or a return from
    /// the normal screen, after which anything may have moved it.
    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let seq: &[u8] = match clear_type {
            ClearType::All => b"\x1b[2J",
            ClearType::AfterCursor => b"\x1b[J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[K",
        };
        self.buf.extend_from_slice(seq);
        self.at = None;
        self.shown = None;
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        let size = match self.fixed {
            Some(s) => s,
            None => {
                let (w, h) = crossterm::terminal::size()?;
                Size::new(w, h)
            }
        };
        self.width.set(size.width);
        Ok(size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        if let Some(s) = self.fixed {
            return Ok(WindowSize {
                columns_rows: s,
                pixels: Size::new(0, 0),
            });
        }
        let w = crossterm::terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size::new(w.columns, w.rows),
            pixels: Size::new(w.width, w.height),
        })
    }

    /// Sends the frame in one write.
    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let sent = self.out.write_all(&self.buf);
            self.buf.clear();
            if let Err(e) = sent {
                // Part of it may have gone out: nothing known about the cursor stays true.
                self.at = None;
                self.shown = None;
                return Err(e);
            }
        }
        self.out.flush()
    }
}

impl<W: Write> Drop for CompactBackend<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;
    use ratatui::text::{Line, Span};
    use ratatui::widgets::Paragraph;
    use ratatui::Terminal;

    const W: u16 = 40;
    const H: u16 = 6;

    fn terminal() -> Terminal<CompactBackend<Vec<u8>>> {
        Terminal::new(CompactBackend::with_size(Vec::new(), Size::new(W, H))).expect("terminal")
    }

    /// Draws `lines` (and the cursor), feeds what was written to a VT100 parser, and checks
    /// that its screen is ratatui's buffer, cell by cell, attributes included.
    fn check(
        t: &mut Terminal<CompactBackend<Vec<u8>>>,
        parser: &mut vt100::Parser,
        lines: &[Line<'static>],
        cursor: Option<(u16, u16)>,
    ) -> usize {
        t.backend_mut().writer_mut().clear();
        let frame = t
            .draw(|f| {
                f.render_widget(Paragraph::new(lines.to_vec()), f.area());
                if let Some((x, y)) = cursor {
                    f.set_cursor_position(Position::new(x, y));
                }
            })
            .expect("draw")
            .buffer
            .clone();
        let bytes = t.backend().writer().clone();
        parser.process(&bytes);
        let screen = parser.screen();
        for y in 0..H {
            for x in 0..W {
                let want = &frame[(x, y)];
                let got = screen.cell(y, x).expect("cell");
                if got.is_wide_continuation() {
                    continue;
                }
                let sym = if got.contents().is_empty() {
                    " ".to_string()
                } else {
                    got.contents().to_string()
                };
                assert_eq!(sym, want.symbol(), "symbol at {x},{y}");
                let m = want.modifier;
                assert_eq!(got.bold(), m.contains(Modifier::BOLD), "bold at {x},{y}");
                assert_eq!(got.underline(), m.contains(Modifier::UNDERLINED), "{x},{y}");
                assert_eq!(got.inverse(), m.contains(Modifier::REVERSED), "{x},{y}");
                assert_eq!(got.italic(), m.contains(Modifier::ITALIC), "{x},{y}");
                let fg = match want.fg {
                    Color::Reset => vt100::Color::Default,
                    Color::Cyan => vt100::Color::Idx(6),
                    Color::Yellow => vt100::Color::Idx(3),
                    Color::DarkGray => vt100::Color::Idx(8),
                    Color::Indexed(i) => vt100::Color::Idx(i),
                    Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
                    c => panic!("colour {c:?} not in the test"),
                };
                assert_eq!(got.fgcolor(), fg, "fg at {x},{y}");
                assert_eq!(got.bgcolor(), vt100::Color::Default, "bg at {x},{y}");
            }
        }
        match cursor {
            Some((x, y)) => {
                assert!(!screen.hide_cursor());
                assert_eq!(screen.cursor_position(), (y, x));
            }
            None => assert!(screen.hide_cursor()),
        }
        bytes.len()
    }

    /// The lines of a frame, and where its cursor is (hidden if none).
    type Frame = (Vec<Line<'static>>, Option<(u16, u16)>);

    fn frames() -> Vec<Frame> {
        let field = |v: &str| {
            Line::from(vec![
                Span::styled("› Client ID  ", Style::new().cyan().bold()),
                Span::styled(format!("{v:<20}"), Style::new().underlined()),
            ])
        };
        let list = |i: usize| -> Vec<Line<'static>> {
            (0..3)
                .map(|j| {
                    let mark = if i == j { "›" } else { " " };
                    let radio = if i == j { "(•)" } else { "( )" };
                    let style = if i == j {
                        Style::new().reversed()
                    } else {
                        Style::new()
                    };
                    Line::from(vec![
                        Span::styled(format!("{mark} {radio} {}. Choice", j + 1), style),
                        Span::styled("  what it does", Style::new().dark_gray()),
                    ])
                })
                .collect()
        };
        let mut v = Vec::new();
        let mut l = list(1);
        l.push(field(""));
        v.push((l, Some((13, 3))));
        for (i, text) in ["M", "M1", "M1M", "M1M5"].iter().enumerate() {
            let mut l = list(1);
            l.push(field(text));
            l.push(Line::styled(
                format!("! Only {} characters", i + 1),
                Style::new().yellow(),
            ));
            v.push((l, Some((14 + i as u16, 3))));
        }
        for i in [2, 0, 1] {
            let mut l = list(i);
            l.push(field("M1M5"));
            l.push(Line::from(vec![
                Span::styled("bold", Style::new().bold()),
                Span::styled("dim", Style::new().dim()),
                Span::styled("both", Style::new().bold().dim()),
                Span::styled("italic", Style::new().italic().fg(Color::Indexed(200))),
                Span::raw("✓ wide: 漢字 end"),
                Span::styled("rgb", Style::new().fg(Color::Rgb(1, 2, 3))),
            ]));
            v.push((l, None));
        }
        // Text up to the last column.
        v.push((
            vec![Line::raw("x".repeat(usize::from(W))), Line::raw("y")],
            Some((0, 5)),
        ));
        v
    }

    #[test]
    fn the_screen_always_matches_the_buffer() {
        let mut t = terminal();
        let mut parser = vt100::Parser::new(H, W, 0);
        for (lines, cursor) in frames() {
            check(&mut t, &mut parser, &lines, cursor);
        }
        // And again after a clear (as after a resize), from a screen with stale content.
        t.resize(ratatui::layout::Rect::new(0, 0, W, H))
            .expect("resize");
        for (lines, cursor) in frames().into_iter().rev() {
            check(&mut t, &mut parser, &lines, cursor);
        }
    }

    #[test]
    fn without_utf8_marks_are_ascii_and_the_cursor_stays_right() {
        let backend = CompactBackend::with_size(Vec::new(), Size::new(W, H)).ascii(true);
        let mut t = Terminal::new(backend).expect("terminal");
        let mut parser = vt100::Parser::new(H, W, 0);
        t.draw(|f| {
            f.render_widget(Line::raw("✓ Create app ▸ URLs › (•) a…"), f.area());
            f.set_cursor_position((3, 1));
        })
        .expect("draw");
        parser.process(t.backend().writer());
        assert!(t.backend().writer().is_ascii(), "only ASCII is written");
        let row = parser.screen().rows(0, W).next().unwrap_or_default();
        assert_eq!(row.trim_end(), "v Create app > URLs > (*) a~");
        assert_eq!(parser.screen().cursor_position(), (1, 3));
    }

    #[test]
    fn an_unchanged_frame_writes_nothing() {
        let mut t = terminal();
        let mut parser = vt100::Parser::new(H, W, 0);
        let (lines, cursor) = frames().remove(1);
        check(&mut t, &mut parser, &lines, cursor);
        assert_eq!(check(&mut t, &mut parser, &lines, cursor), 0);
    }

    #[test]
    fn a_typed_character_is_a_move_an_attribute_and_the_character() {
        let mut t = terminal();
        let mut parser = vt100::Parser::new(H, W, 0);
        let field = |v: &str| Line::styled(format!("  ID  {v:<10}"), Style::new().underlined());
        check(&mut t, &mut parser, &[field("ab")], Some((8, 0)));
        let n = check(&mut t, &mut parser, &[field("abc")], Some((9, 0)));
        // CSI 9 D (or CR + CSI C…), CSI 4 m, "c", CSI m; the cursor is left where it belongs.
        assert!(n <= 13, "{n} bytes");
    }

    fn sgr(from: Pen, to: Pen) -> Vec<u8> {
        let mut out = Vec::new();
        super::sgr(from, to, &mut out);
        out
    }

    fn color_param(c: Color, base: u32) -> String {
        let mut p = Params::new();
        p.color(c, base);
        String::from_utf8_lossy(p.as_bytes()).into_owned()
    }

    #[test]
    fn cursor_moves_are_the_shortest_and_their_lengths_are_known() {
        for (from, to, want) in [
            (5u16, 0u16, &b"\r"[..]),
            (5, 6, b"\x1b[C"),
            (5, 4, b"\x1b[D"),
            (5, 17, b"\x1b[12C"),
            (17, 5, b"\x1b[12D"),
        ] {
            let mut out = Vec::new();
            relative(from, to, &mut out);
            assert_eq!(out, want, "{from} → {to}");
            assert_eq!(relative_len(from, to), out.len());
        }
        for (x, y, want) in [
            (0u16, 0u16, &b"\x1b[H"[..]),
            (0, 4, b"\x1b[5H"),
            (9, 0, b"\x1b[1;10H"),
            (79, 23, b"\x1b[24;80H"),
            (999, 9999, b"\x1b[10000;1000H"),
        ] {
            let mut out = Vec::new();
            absolute(Position::new(x, y), &mut out);
            assert_eq!(out, want, "({x}, {y})");
            assert_eq!(absolute_len(Position::new(x, y)), out.len());
        }
    }

    #[test]
    fn the_longest_sgr_fits_its_parameters() {
        let all = MODIFIER_ON
            .iter()
            .fold(Modifier::empty(), |m, (f, _)| m | *f);
        let rgb = Pen {
            fg: Color::Rgb(255, 255, 255),
            bg: Color::Rgb(255, 255, 255),
            modifier: all,
        };
        let other = Pen {
            fg: Color::Rgb(254, 254, 254),
            bg: Color::Rgb(254, 254, 254),
            modifier: Modifier::empty(),
        };
        assert_eq!(
            String::from_utf8_lossy(&sgr(Pen::PLAIN, rgb)),
            "\x1b[1;2;3;4;5;6;7;8;9;38;2;255;255;255;48;2;255;255;255m"
        );
        assert_eq!(
            String::from_utf8_lossy(&sgr(rgb, other)),
            "\x1b[0;38;2;254;254;254;48;2;254;254;254m"
        );
    }

    #[test]
    fn sgr_takes_the_shorter_way() {
        let plain = Pen::PLAIN;
        let rev = Pen {
            modifier: Modifier::REVERSED,
            ..plain
        };
        let bold_cyan = Pen {
            fg: Color::Cyan,
            modifier: Modifier::BOLD,
            ..plain
        };
        assert_eq!(sgr(plain, rev), b"\x1b[7m");
        assert_eq!(sgr(rev, plain), b"\x1b[m");
        assert_eq!(sgr(rev, bold_cyan), b"\x1b[0;1;36m");
        assert_eq!(sgr(bold_cyan, rev), b"\x1b[0;7m");
        let both = Pen {
            modifier: Modifier::BOLD | Modifier::DIM,
            ..bold_cyan
        };
        let dim = Pen {
            modifier: Modifier::DIM,
            ..bold_cyan
        };
        assert_eq!(sgr(both, dim), b"\x1b[22;2m");
        assert_eq!(color_param(Color::White, 40), "107");
        assert_eq!(color_param(Color::Indexed(17), 30), "38;5;17");
    }
}
