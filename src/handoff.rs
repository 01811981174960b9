//! The guide's last step: the app's Client ID (and Client Secret, for a confidential app) go
//! into the automation service's own authorization form. One description of that hand-off,
//! drawn by the Done screen, printed by `login` and by the wizard when it ends. It says only
//! what the login proved: in the sandbox, that the values are the sandbox's; after a short
//! grant or with a Client ID the length of an OAuth 1.0a key, that nothing was proved.

use crate::guide::guide;
use crate::presets::presets;
use crate::profile::{AppType, Profile};
use crate::secret::Secret;

/// Which service the app's callback belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Latenode,
    /// A callback on this machine, or any other.
    Other,
}

/// What the login showed about the app's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// A login at X with every scope asked for, and a Client ID that is not an OAuth 1.0a key.
    Proved,
    /// The built-in emulator's login: it proves nothing about an app at X.
    Sandbox,
    /// A login at X that showed a problem (the words say which).
    NotProved(String),
}

impl Proof {
    pub fn of(profile: &Profile) -> Proof {
        if profile.endpoints.as_ref().is_some_and(|e| e.sandbox) {
            return Proof::Sandbox;
        }
        if let Some(key) = crate::validate::looks_like_api_key(&profile.app.client_id) {
            return Proof::NotProved(format!(
                "the Client ID looks like an OAuth 1.0a {key}, not an OAuth 2.0 Client ID"
            ));
        }
        let short = profile.scope_check().is_some_and(|c| {
            c.missing
                .iter()
                .any(|s| s != crate::x::scopes::OFFLINE_ACCESS)
        });
        if short {
            return Proof::NotProved("X granted fewer scopes than asked (see above)".into());
        }
        Proof::Proved
    }
}

/// What the service's form asks for, and what to say around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub service: Service,
    pub title: String,
    pub intro: String,
    /// The profile's name (the commands below name it).
    pub profile: String,
    pub client_id: String,
    /// `Some` for a confidential app (Web App, Automated App or Bot).
    pub client_secret: Option<Secret>,
    /// What the Client Secret row says for a Native App.
    pub no_secret: String,
    /// Further values the form may ask for: (label, value).
    pub extra: Vec<(String, String)>,
    /// What the login proved: a warning when it proved less, or nothing about X.
    pub proof: Proof,
    /// The sentence that goes with the proof (empty when there is none to say).
    pub proof_words: String,
    pub after: String,
    /// For a Native App: what to do when the form insists on a Client Secret, and the login
    /// that proves the confidential app.
    pub insists: Option<(String, String)>,
}

impl Handoff {
    /// The hand-off of the profile `name`.
    pub fn for_profile(profile: &Profile, name: &str) -> Handoff {
        let words = &guide().handoff;
        let app = &profile.app;
        let latenode_callback = presets()
            .iter()
            .find(|p| p.id == "latenode")
            .map(|p| p.callback());
        let latenode = latenode_callback.as_deref() == Some(app.callback_url.as_str());
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
        let proof = Proof::of(profile);
        let proof_words = match (&proof, service) {
            (Proof::Sandbox, _) => words.sandbox.to_string(),
            (Proof::NotProved(why), _) => words.not_proved.replace("{why}", why),
            (Proof::Proved, Service::Latenode) => words.latenode_proved.to_string(),
            (Proof::Proved, Service::Other) => String::new(),
        };
        let insists = (app.app_type == AppType::Native).then(|| {
            let mut cmd = format!(
                "XCONNECT_CLIENT_SECRET=… xconnect login --profile {name} --force --app-type web --client-id {}",
                app.client_id
            );
            if !latenode {
                cmd.push_str(&format!(" --callback-url {}", app.callback_url));
            }
            if proof == Proof::Sandbox {
                cmd.push_str(" --sandbox");
            }
            (words.native_insists.to_string(), cmd)
        });
        Handoff {
            service,
            title: title.to_string(),
            intro: intro.to_string(),
            profile: name.to_string(),
            client_id: app.client_id.clone(),
            client_secret: match app.app_type {
                AppType::Web => app.client_secret.as_ref().map(Secret::new),
                AppType::Native => None,
            },
            no_secret: words.native_secret.to_string(),
            extra,
            proof,
            proof_words,
            after: after.to_string(),
            insists,
        }
    }

    /// Plain lines for stderr: the secret masked (`xconnect show NAME --reveal` prints it).
    pub fn text(&self) -> String {
        let mut out = format!("{}: {}\n", self.title, self.intro);
        let mut row = |label: &str, value: &str| {
            out.push_str(&format!("  {label:<14} {value}\n"));
        };
        row("Client ID", &self.client_id);
        match &self.client_secret {
            Some(s) => row(
                "Client Secret",
                &format!(
                    "{} (xconnect show {} --reveal prints it)",
                    s.hint(),
                    self.profile
                ),
            ),
            None => row("Client Secret", &self.no_secret),
        }
        for (label, value) in &self.extra {
            row(label, value);
        }
        if !self.proof_words.is_empty() {
            let mark = if self.proof == Proof::Proved {
                ""
            } else {
                "warning: "
            };
            out.push_str(&format!("{mark}{}\n", self.proof_words));
        }
        out.push_str(&self.after);
        out.push('\n');
        if let Some((words, cmd)) = &self.insists {
            out.push_str(&format!("{words}\n  {cmd}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::AppSettings;

    fn app(callback: &str, app_type: AppType) -> Profile {
        let app = AppSettings {
            client_id: "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ".into(),
            client_secret: (app_type == AppType::Web)
                .then(|| "s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-ab".into()),
            app_type,
            callback_url: callback.into(),
            website_url: String::new(),
            scopes: vec!["tweet.read".into(), "users.read".into()],
        };
        Profile {
            version: crate::profile::CURRENT_VERSION,
            app,
            account: None,
            token: None,
            endpoints: None,
            status: None,
            moved: None,
            origin: None,
        }
    }

    #[test]
    fn latenode_gets_the_guide_s_last_step() {
        let h = Handoff::for_profile(
            &app(
                "https://app.latenode.com/redirected/index.html",
                AppType::Native,
            ),
            "default",
        );
        assert_eq!(h.service, Service::Latenode);
        assert!(h.client_secret.is_none());
        let text = h.text();
        assert!(
            text.starts_with(
                "Last step, in Latenode: open the X (Twitter) connection's authorization"
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
        let h = Handoff::for_profile(&app("http://127.0.0.1:8765/callback", AppType::Web), "bot");
        assert_eq!(h.service, Service::Other);
        let text = h.text();
        assert!(!text.contains("s3cr3t_-s3cr3t_"), "{text}");
        assert!(text.contains("xconnect show bot --reveal"), "{text}");
        assert!(
            text.contains("  Callback URL   http://127.0.0.1:8765/callback\n"),
            "{text}"
        );
    }
}
