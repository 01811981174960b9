//! What is specific to X: permission levels and scopes, app types, portal addresses.

pub mod app_type;
pub mod scopes;

pub use app_type::AppType;
pub use scopes::Permission;

/// Where apps are created.
pub const PORTAL_URL: &str = "https://developer.x.com/en/portal/dashboard";
