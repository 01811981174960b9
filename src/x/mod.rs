//! What is specific to X: permission levels and scopes, app types, endpoints, the OAuth 2.0
//! forms (`oauth`), the token answers read leniently (`answer`), the calls over HTTP (`http`)
//! and their errors.

pub mod answer;
pub mod app_type;
pub mod endpoints;
pub mod error;
pub mod http;
pub mod limits;
pub mod media;
pub mod oauth;
pub mod post;
pub mod scopes;
pub mod texts;
pub mod users;

pub use app_type::AppType;
pub use endpoints::Endpoints;
pub use error::XError;
pub use scopes::Permission;

/// Where apps are created.
pub const PORTAL_URL: &str = "https://developer.x.com/en/portal/dashboard";
