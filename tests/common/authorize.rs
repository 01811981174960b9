//! The wizard brought to its Authorize step with a fixed link, and X's answers, for tests of
//! the pure state machine.

use xconnect::secret::Secret;
use xconnect::wizard::model::Phase;
use xconnect::wizard::{Cmd, Model, Msg, Step};
use xconnect::x::oauth::{Pending, Tokens};
use xconnect::x::users::Account;
use xconnect::x::XError;

use super::{at_credentials, enter, send, type_text, CLIENT_ID};

/// The Latenode callback URL, the wizard's default.
pub const CB: &str = "https://app.latenode.com/redirected/index.html";

/// On Authorize, waiting for the redirect of a link whose state is `state` (verifier "V").
pub fn authorize_with(url: &str, state: &str) -> Model {
    let mut m = at_credentials();
    type_text(&mut m, CLIENT_ID);
    let cmds = send(&mut m, [enter()]);
    assert_eq!(
        cmds,
        vec![Cmd::CheckProfile {
            name: "default".into()
        }]
    );
    assert_eq!(m.step, Step::Credentials, "the check comes first");
    let cmds = send(
        &mut m,
        [Msg::ProfileChecked {
            name: "default".into(),
            exists: false,
        }],
    );
    assert_eq!(m.step, Step::Authorize);
    assert!(matches!(
        &cmds[..],
        [Cmd::CancelAuth, Cmd::PrepareAuth { .. }]
    ));
    assert_eq!(m.auth.phase, Phase::Preparing);
    let op = m.auth.op;
    let pending = Pending {
        url: url.into(),
        state: state.into(),
        verifier: Secret::new("V"),
    };
    send(
        &mut m,
        [Msg::AuthReady {
            op,
            result: Ok(pending),
        }],
    );
    assert_eq!(m.auth.phase, Phase::Waiting);
    m
}

/// On Authorize with the link `…?state=S`.
pub fn ready() -> Model {
    authorize_with("https://x.com/i/oauth2/authorize?state=S", "S")
}

/// The redirect X sends for state `S`.
pub fn good_redirect() -> String {
    format!("{CB}?state=S&code=C")
}

pub fn tokens() -> Tokens {
    Tokens {
        access_token: Secret::new("A"),
        refresh_token: Some(Secret::new("R")),
        token_type: "bearer".into(),
        scope: "tweet.read users.read offline.access".into(),
        expires_in: Some(std::time::Duration::from_secs(7200)),
    }
}

pub fn me() -> Account {
    Account {
        id: "1".into(),
        username: "u".into(),
        name: "U".into(),
    }
}

/// From `ready()`: the redirect is pasted, X exchanges the code and answers the proof.
/// Returns the attempt's id, for the `Saved` answer.
pub fn exchanged_and_proved(m: &mut Model, proof: Result<Account, XError>) -> u64 {
    send(m, [Msg::Paste(good_redirect())]);
    let op = m.auth.op;
    send(
        m,
        [Msg::Exchanged {
            op,
            result: Ok(tokens()),
        }],
    );
    send(
        m,
        [Msg::Verified {
            op,
            result: proof,
            at: xconnect::timefmt::now(),
        }],
    );
    op
}
