//! X's own words: the `error_description` texts its token endpoint answers with. The client
//! recognises them to give specific advice; the sandbox answers with them.

pub const INVALID_CODE: &str = "Value passed for the authorization code was invalid.";
pub const VERIFIER_MISMATCH: &str =
    "Value passed for the code verifier did not match the code challenge.";
pub const MISSING_VERIFIER: &str = "Missing required parameter [code_verifier].";
pub const REDIRECT_MISMATCH: &str =
    "Value passed for the redirect uri did not match the uri of the authorization code.";
pub const INVALID_TOKEN: &str = "Value passed for the token was invalid.";
pub const MISSING_AUTH_HEADER: &str = "Missing valid authorization header";
