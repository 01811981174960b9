//! Widgets of the wizard's screens. Each turns model state into lines of the body, so a screen
//! is one scrollable column of lines, whatever it holds.

pub mod body;
pub mod choice_list;
pub mod line_drawing;
pub mod text_field;
