//! The guide's last step: once the login proved the app's settings, its Client ID (and Client
//! Secret, for a confidential app) go into the automation service's own authorization form. One
//! description of that hand-off, drawn by the Done screen and printed by `login`.

use crate::guide::guide;
use crate::presets::presets;
use crate::profile::{AppSettings, AppType};
use crate::secret::Secret;

/// Which service the app's callback belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Latenode,
    /// A callback on this machine, or any other.
    Other,
}

/// What the service's form asks for, and what to say around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub service: Service,
    pub title: String,
    pub intro: String,
    pub client_id: String,
    /// `Some` for a confidential app (Web App, Automated App or Bot).
    pub client_secret: Option<Secret>,
    /// What the Client Secret row says for a Native App.
    pub no_secret: String,
    /// Further values the form may ask for: (label, value).
    pub extra: Vec<(String, String)>,
    pub after: String,
}

impl Handoff {
    pub fn for_app(app: &AppSettings) -> Handoff {
        let words = &guide().handoff;
        let latenode = presets()
            .iter()
            .find(|p| p.id == "latenode")
            .is_some_and(|p| p.callback() == app.callback_url);
        let (service, title, intro, after, extra) = if latenode {
            (
                Service::Latenode,
                &words.latenode_title,
                &words.latenode_intro,
                &words.latenode_after,
                Vec::new(),
            )
        } else {
            (
                Service::Other,
                &words.other_title,
                &words.other_intro,
                &words.other_after,
                vec![("Callback URL".to_string(), app.callback_url.clone())],
            )
        };
        Handoff {
            service,
            title: title.clone(),
            intro: intro.clone(),
            client_id: app.client_id.clone(),
            client_secret: match app.app_type {
                AppType::Web => app.client_secret.as_ref().map(Secret::new),
                AppType::Native => None,
            },
            no_secret: words.native_secret.clone(),
            extra,
            after: after.clone(),
        }
    }

    /// Plain lines for stderr: the secret masked (`xconnect show NAME --reveal` prints it).
    pub fn text(&self, profile: &str) -> String {
        let mut out = format!("{}: {}\n", self.title, self.intro);
        let mut row = |label: &str, value: &str| {
            out.push_str(&format!("  {label:<14} {value}\n"));
        };
        row("Client ID", &self.client_id);
        match &self.client_secret {
            Some(s) => row(
                "Client Secret",
                &format!("{} (xconnect show {profile} --reveal prints it)", s.hint()),
            ),
            None => row("Client Secret", &self.no_secret),
        }
        for (label, value) in &self.extra {
            row(label, value);
        }
        out.push_str(&self.after);
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(callback: &str, app_type: AppType) -> AppSettings {
        AppSettings {
            client_id: "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ".into(),
            client_secret: (app_type == AppType::Web)
                .then(|| "s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-ab".into()),
            app_type,
            callback_url: callback.into(),
            website_url: String::new(),
            scopes: vec!["tweet.read".into(), "users.read".into()],
        }
    }

    #[test]
    fn latenode_gets_the_guide_s_last_step() {
        let h = Handoff::for_app(&app(
            "https://app.latenode.com/redirected/index.html",
            AppType::Native,
        ));
        assert_eq!(h.service, Service::Latenode);
        assert!(h.client_secret.is_none());
        let text = h.text("default");
        assert!(
            text.starts_with(
                "Last step, in Latenode: open the X (Twitter) connection's authorization form"
            ),
            "{text}"
        );
        assert!(
            text.contains("  Client ID      M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ\n"),
            "{text}"
        );
        assert!(
            text.contains("X issues no Client Secret to a Native App"),
            "{text}"
        );
        assert!(text.contains("Latenode keeps its own tokens"), "{text}");
    }

    #[test]
    fn a_confidential_app_s_secret_is_masked_in_text() {
        let h = Handoff::for_app(&app("http://127.0.0.1:8765/callback", AppType::Web));
        assert_eq!(h.service, Service::Other);
        let text = h.text("bot");
        assert!(!text.contains("s3cr3t_-s3cr3t_"), "{text}");
        assert!(text.contains("xconnect show bot --reveal"), "{text}");
        assert!(
            text.contains("  Callback URL   http://127.0.0.1:8765/callback\n"),
            "{text}"
        );
    }
}
