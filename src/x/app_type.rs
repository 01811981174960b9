//! The portal's "Type of App", which decides how the client authenticates.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppType {
    /// Native App: a public client. PKCE only, no Client Secret.
    #[default]
    Native,
    /// Web App, Automated App or Bot: a confidential client with a Client Secret.
    Web,
}

impl AppType {
    pub const ALL: [AppType; 2] = [AppType::Native, AppType::Web];

    pub fn label(self) -> &'static str {
        match self {
            AppType::Native => "Native App (Public client)",
            AppType::Web => "Web App, Automated App or Bot (Confidential client)",
        }
    }

    /// The one-sentence consequence of choosing it.
    pub fn consequence(self) -> &'static str {
        match self {
            AppType::Native => {
                "Recommended: no secret is needed or stored; PKCE alone protects the login."
            }
            AppType::Web => {
                "X also gives a Client Secret, which you must paste and which is stored with the token."
            }
        }
    }

    pub fn is_confidential(self) -> bool {
        self == AppType::Web
    }

    /// The command-line and profile-file name.
    pub fn flag(self) -> &'static str {
        match self {
            AppType::Native => "native",
            AppType::Web => "web",
        }
    }
}

/// The profile file's word for it.
impl From<AppType> for crate::profile::AppType {
    fn from(t: AppType) -> Self {
        match t {
            AppType::Native => crate::profile::AppType::Native,
            AppType::Web => crate::profile::AppType::Web,
        }
    }
}

impl From<crate::profile::AppType> for AppType {
    fn from(t: crate::profile::AppType) -> Self {
        match t {
            crate::profile::AppType::Native => AppType::Native,
            crate::profile::AppType::Web => AppType::Web,
        }
    }
}
