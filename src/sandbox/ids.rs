//! Random identifiers shaped like X's: codes, tokens, client credentials.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;

const BASE64URL_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn random_base64url_chars(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(BASE64URL_ALPHABET[rng.gen_range(0..BASE64URL_ALPHABET.len())]))
        .collect()
}

/// X's codes and tokens are base64 of `<random>:<issued ms>:1:0:<kind>:1`
/// (`ac` code, `at` access token, `rt` refresh token), about 90 characters.
fn x_style(kind: &str, unix_millis: u128) -> String {
    let raw = format!("{}:{unix_millis}:1:0:{kind}:1", random_base64url_chars(43));
    URL_SAFE_NO_PAD.encode(raw)
}

pub(crate) fn authorization_code(unix_millis: u128) -> String {
    x_style("ac", unix_millis)
}

pub(crate) fn access_token(unix_millis: u128) -> String {
    x_style("at", unix_millis)
}

pub(crate) fn refresh_token(unix_millis: u128) -> String {
    x_style("rt", unix_millis)
}

/// Server-side id of a consent page waiting for Authorize / Cancel.
pub(crate) fn pending_request_id() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

/// A Client ID like the portal's: 34 characters, base64 of `<20 random>:1:ci`.
pub(crate) fn client_id() -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:1:ci", random_base64url_chars(20)))
}

/// A Client Secret like the portal's: 50 base64url characters.
pub(crate) fn client_secret() -> String {
    random_base64url_chars(50)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(client_id().len(), 34);
        assert_eq!(client_secret().len(), 50);
        let t = access_token(1_700_000_000_000);
        assert!(t.len() >= 80, "{t}");
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(&t).unwrap()).unwrap();
        assert!(raw.ends_with(":1700000000000:1:0:at:1"), "{raw}");
        assert_ne!(access_token(1), access_token(1));
        assert!(authorization_code(1)
            .bytes()
            .all(|b| BASE64URL_ALPHABET.contains(&b)));
    }
}
