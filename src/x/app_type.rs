//! The portal's "Type of App", which decides how the client authenticates.
//!
//! The one app-type enum: the wizard's choice, the `--app-type` flag (`native`, `web`), the
//! profile file's and the session file's `app_type = "native"` / `"web"` are all this type.

use serde::{Deserialize, Serialize};

// The variants carry no doc comments on purpose: clap would show them as help for each
// possible value of `--app-type`, and the help and man page read as they always have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
#[value(rename_all = "lowercase")]
pub enum AppType {
    // Native App: a public client. PKCE only, no Client Secret.
    #[default]
    Native,
    // Web App, Automated App or Bot: a confidential client with a Client Secret.
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

    /// The word of the command line and of the files: `native` or `web`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppType::Native => "native",
            AppType::Web => "web",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn one_word_everywhere() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct File {
            app_type: AppType,
        }
        for t in AppType::ALL {
            let text = toml::to_string(&File { app_type: t }).expect("toml");
            assert_eq!(text, format!("app_type = \"{}\"\n", t.as_str()));
            assert_eq!(
                toml::from_str::<File>(&text).expect("read"),
                File { app_type: t }
            );
            let flag = t.to_possible_value().expect("a flag value");
            assert_eq!(flag.get_name(), t.as_str());
            assert!(flag.get_help().is_none(), "no help text changes --help");
            assert_eq!(AppType::from_str(t.as_str(), false), Ok(t));
        }
        assert!(toml::from_str::<File>("app_type = \"Web\"").is_err());
        assert!(toml::from_str::<File>("app_type = \"desktop\"").is_err());
    }
}
