//! The wizard: a pure state machine (`update`) and a pure view (`view`).

pub mod keymap;
pub mod menu;
pub mod model;
pub mod resume;
pub mod steps;
pub mod update;
pub mod view;
pub mod widgets;

pub use model::{Cmd, Model, Msg, Step};
pub use update::update;
pub use view::view;
