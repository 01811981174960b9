//! The pure view: reads the model and draws. It never changes the model or does I/O.

use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::model::{Model, Overlay, StatusKind, Step, MIN_HEIGHT, MIN_WIDTH};
use super::steps;
use super::widgets::body::Body;
use super::widgets::line_drawing::draw_line;
use crate::guide::guide;

/// Rows above the body (header, stepper, rule) and below it (status, keys).
const TOP: u16 = 3;
const BOTTOM: u16 = 2;

pub fn view(m: &Model, f: &mut Frame) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(f, area);
        return;
    }
    header(m, f, area);
    let (body, body_area, status_text) = layout(m, area);
    let rows = u16::try_from(status_text.len()).unwrap_or(1).max(1);
    let scroll = effective_scroll(m, &body, body_area.height);
    draw_body(m, f, body_area, &body, scroll);
    let more_below = body.lines.len() > usize::from(scroll) + usize::from(body_area.height);
    status(
        m,
        f,
        Rect::new(area.x, area.bottom() - 1 - rows, area.width, rows),
        &status_text,
        more_below,
    );
    keys(m, f, Rect::new(area.x, area.bottom() - 1, area.width, 1));
    match m.overlay {
        Some(Overlay::Help) => help(m, f, area),
        Some(Overlay::ConfirmQuit) => confirm(
            m,
            f,
            area,
            " Quit? ",
            "Quit xconnect? What you entered is kept (never a secret): the next start offers to resume.",
            ("quit", "stay"),
        ),
        Some(Overlay::ConfirmReplace) => confirm(
            m,
            f,
            area,
            " Replace? ",
            &format!(
                "A profile named \"{}\" exists. Replace it when the login succeeds?",
                m.credentials.profile.value()
            ),
            ("replace it", "keep it"),
        ),
        Some(Overlay::Plain) => plain_note(f, area),
        None => {}
    }
}

/// Where the body goes: below the header, above the status line, one column of margin.
/// The body, where it goes, and the status rows: as many as the message needs, taken from
/// the body (the last status row also holds "↓ more: PgDn" when the body does not fit).
pub fn layout(m: &Model, area: Rect) -> (Body, Rect, Vec<String>) {
    let mut rect = Rect::new(
        area.x + 1,
        area.y + TOP,
        area.width.saturating_sub(2),
        area.height.saturating_sub(TOP + BOTTOM),
    );
    let body = build_body(m, rect.width);
    let rows = |lines: &[String]| u16::try_from(lines.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let overflows = |extra: u16| body.lines.len() > usize::from(rect.height.saturating_sub(extra));
    let mut lines = status_lines(m, area.width, overflows(0));
    // The status's rows come from the body: it may overflow only now, and then the rows
    // leave room for "↓ more: PgDn" too.
    if !overflows(0) && overflows(rows(&lines)) {
        lines = status_lines(m, area.width, true);
    }
    rect.height = rect.height.saturating_sub(rows(&lines));
    (body, rect, lines)
}

/// Room kept at the right of the status row for "↓ more: PgDn".
const MORE_W: usize = 15;

/// The status message with its mark, wrapped over as many rows as it needs: a status is never
/// cut, so the part that says what to do next is always on the screen. When the body goes on
/// below, the rows leave room at their right for "↓ more: PgDn".
fn status_lines(m: &Model, width: u16, overflows: bool) -> Vec<String> {
    let Some(s) = &m.status else {
        return Vec::new();
    };
    let mark = match s.kind {
        StatusKind::Info => "i",
        StatusKind::Ok => "✓",
        StatusKind::Warn => "!",
        StatusKind::Error => "✗",
    };
    let full = usize::from(width).saturating_sub(3);
    let room = full
        .saturating_sub(if overflows { MORE_W } else { 0 })
        .max(10);
    crate::text::wrap(&s.text, room)
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i == 0 {
                format!(" {mark} {r}")
            } else {
                format!("   {r}")
            }
        })
        .collect()
}

pub fn build_body(m: &Model, width: u16) -> Body {
    let mut body = Body::new(width, m.theme);
    match &m.menu {
        Some(menu) => super::menu::render(
            menu,
            m.store_label.as_deref(),
            usize::from(m.size.1.saturating_sub(TOP + BOTTOM)),
            m.clock,
            &mut body,
        ),
        None => steps::render(m, &mut body),
    }
    body
}

/// The first body line shown: the one PgUp/PgDn chose, or enough to keep the focus in sight.
pub fn effective_scroll(m: &Model, body: &Body, height: u16) -> u16 {
    let h = usize::from(height.max(1));
    let max = body.lines.len().saturating_sub(h);
    let wanted = match (m.scroll, body.focus) {
        (Some(s), _) => usize::from(s),
        (None, Some((first, last))) if last >= h => (last + 1 - h).min(first),
        _ => 0,
    };
    u16::try_from(wanted.min(max)).unwrap_or(0)
}

/// (current scroll, largest scroll, page size) for the model's terminal size.
pub fn scroll_bounds(m: &Model) -> (u16, u16, u16) {
    let (body, area, _) = layout(m, Rect::new(0, 0, m.size.0, m.size.1));
    let now = effective_scroll(m, &body, area.height);
    let max = body.lines.len().saturating_sub(usize::from(area.height));
    (
        now,
        u16::try_from(max).unwrap_or(u16::MAX),
        area.height.saturating_sub(1).max(1),
    )
}

fn header(m: &Model, f: &mut Frame, area: Rect) {
    let t = m.theme;
    let n = m.step.index() + 1;
    let total = Step::ALL.len();
    let title = &guide().step(m.step.id()).title;
    let heading = if m.menu.is_some() {
        "  Welcome back".to_string()
    } else {
        format!("  Step {n} of {total} · {title}")
    };
    let mut spans = vec![
        Span::styled(" xconnect ", t.selected()),
        Span::styled(heading, t.title()),
    ];
    if m.sandbox {
        spans.push(Span::styled(
            "   [sandbox: no real X account used]",
            t.warning(),
        ));
    }
    let buf = f.buffer_mut();
    draw_line(
        &Line::from(spans),
        Rect::new(area.x, area.y, area.width, 1),
        buf,
    );
    if m.menu.is_none() {
        draw_line(
            &stepper(m, area.width),
            Rect::new(area.x, area.y + 1, area.width, 1),
            buf,
        );
    }
    let rule = "─".repeat(usize::from(area.width));
    draw_line(
        &Line::styled(rule, t.dim()),
        Rect::new(area.x, area.y + 2, area.width, 1),
        buf,
    );
}

/// "✓ Done  ▸ Current  · Next …": the marks carry the meaning, colour only helps. When the
/// names do not all fit, the steps farthest from the current one shrink to their numbers.
pub fn stepper(m: &Model, width: u16) -> Line<'static> {
    let t = m.theme;
    let now = m.step.index();
    let build = |named: &[bool]| {
        let mut spans = vec![Span::raw(" ")];
        for (i, s) in Step::ALL.iter().enumerate() {
            let short = &guide().step(s.id()).short;
            let (mark, style) = match i.cmp(&now) {
                std::cmp::Ordering::Less => ("✓", t.ok()),
                std::cmp::Ordering::Equal => ("▸", t.title()),
                std::cmp::Ordering::Greater => ("·", t.dim()),
            };
            let text = if named[i] {
                format!("{mark} {short}")
            } else {
                format!("{mark}{}", i + 1)
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw("  "));
        }
        Line::from(spans)
    };
    let mut named = vec![true; Step::ALL.len()];
    // Farthest first; of two as far, the done one (behind) shrinks first.
    let mut order: Vec<usize> = (0..named.len()).filter(|i| *i != now).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(i.abs_diff(now)), *i > now));
    for i in order {
        if build(&named).width() <= usize::from(width) {
            break;
        }
        named[i] = false;
    }
    build(&named)
}

fn draw_body(m: &Model, f: &mut Frame, area: Rect, body: &Body, scroll: u16) {
    // The lines are wrapped already: each is drawn on its row as it is (a paragraph would
    // go through them again grapheme by grapheme, and restyle the whole area first).
    let rows = area.rows();
    for (line, row) in body.lines.iter().skip(usize::from(scroll)).zip(rows) {
        draw_line(line, row, f.buffer_mut());
    }
    let t = m.theme;
    if scroll > 0 {
        let s = " ↑ more: PgUp ";
        let w = s.chars().count() as u16;
        f.render_widget(
            Span::styled(s, t.selected()),
            Rect::new(area.right().saturating_sub(w), area.y - 1, w, 1),
        );
    }
    if m.overlay.is_none() {
        if let Some((line, col)) = body.cursor {
            let row = line.checked_sub(usize::from(scroll));
            if let Some(row) = row.filter(|r| *r < usize::from(area.height)) {
                let x = (area.x + col).min(area.right().saturating_sub(1));
                f.set_cursor_position(Position::new(x, area.y + row as u16));
            }
        }
    }
}

/// The status line; its right end says when the body goes on below.
fn status(m: &Model, f: &mut Frame, area: Rect, lines: &[String], more_below: bool) {
    let t = m.theme;
    if more_below {
        let s = " ↓ more: PgDn ";
        let w = s.chars().count() as u16;
        f.render_widget(
            Span::styled(s, t.selected()),
            Rect::new(
                area.right().saturating_sub(w),
                area.bottom().saturating_sub(1),
                w,
                1,
            ),
        );
    }
    let Some(s) = &m.status else {
        return;
    };
    let style = match s.kind {
        StatusKind::Info => Style::new(),
        StatusKind::Ok => t.ok(),
        StatusKind::Warn => t.warning(),
        StatusKind::Error => t.error(),
    };
    for (row, text) in (area.y..area.bottom()).zip(lines) {
        let last = row + 1 == area.bottom();
        let width = area
            .width
            .saturating_sub(if more_below && last { 16 } else { 0 });
        draw_line(
            &Line::styled(fit(text, usize::from(width)), style),
            Rect::new(area.x, row, width, 1),
            f.buffer_mut(),
        );
    }
}

/// Cuts text to `width` columns with an ellipsis.
fn fit(s: &str, width: usize) -> String {
    crate::text::fit(s, width)
}

/// The footer: the keys that work right now (from the screen's key table), most useful
/// first, cut to the width.
fn keys(m: &Model, f: &mut Frame, area: Rect) {
    let t = m.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (k, what) in super::keymap::footer(m) {
        let w = k.chars().count() + what.chars().count() + 3;
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    draw_line(&Line::from(spans), area, f.buffer_mut());
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn help(m: &Model, f: &mut Frame, area: Rect) {
    let t = m.theme;
    let keys = super::keymap::help(m.step, m.menu.is_some());
    let key_w = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    // Wrapped to the box, so nothing is clipped at the smallest size.
    let width = area.width.min(70);
    let text_w = usize::from(width).saturating_sub(key_w + 5).max(10);
    let mut lines: Vec<Line> = Vec::new();
    for (k, what) in keys {
        for (i, row) in crate::text::wrap(what, text_w).into_iter().enumerate() {
            let k = if i == 0 { k } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {k:<key_w$}  "), t.key()),
                Span::raw(row),
            ]));
        }
    }
    lines.push(Line::styled(" Any key closes this help.", t.dim()));
    let rect = centered(area, width, lines.len() as u16 + 2);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        rect,
    );
}

/// A yes/no question in a box; any key but y means no.
fn confirm(
    m: &Model,
    f: &mut Frame,
    area: Rect,
    title: &str,
    question: &str,
    (yes, no): (&str, &str),
) {
    let t = m.theme;
    let width = 60u16.min(area.width);
    let mut lines: Vec<Line> = crate::text::wrap(question, usize::from(width - 4))
        .into_iter()
        .map(|l| Line::raw(format!(" {l}")))
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::raw(" "),
        Span::styled("y", t.key()),
        Span::raw(format!(" {yes}    ")),
        Span::styled("n", t.key()),
        Span::raw(format!(" (or any other key) {no}")),
    ]));
    let rect = centered(area, width, lines.len() as u16 + 2);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        rect,
    );
}

fn plain_note(f: &mut Frame, area: Rect) {
    let rect = centered(area, 50, 3);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(" Press Enter to come back.").block(Block::default().borders(Borders::ALL)),
        rect,
    );
}

fn too_small(f: &mut Frame, area: Rect) {
    let text = format!(
        "Terminal too small: {}×{}. xconnect needs at least {MIN_WIDTH}×{MIN_HEIGHT}. \
         Make the window larger and the wizard comes back; Ctrl-C quits.",
        area.width, area.height
    );
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
