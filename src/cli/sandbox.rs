//! When the built-in X emulator runs: for `--sandbox` (the wizard, `login`) and for a command
//! on a sandbox profile, always with its state kept in the state folder.

use std::sync::Arc;

use xconnect::commands::{exit, Failure};
use xconnect::profile::Profile;
use xconnect::sandbox::Sandbox;
use xconnect::store::ProfileStore;
use xconnect::x::Endpoints;

use super::args::Global;

/// The built-in X emulator, remembering what it did in the state folder (beside an
/// interrupted setup), so that a sandbox profile keeps working in later processes.
async fn start_sandbox(g: &Global) -> Result<Sandbox, String> {
    let started = match xconnect::session::dir(g.config_dir.as_deref(), &g.env) {
        Some(dir) => Sandbox::start_persistent(&dir).await,
        // No home folder known: an emulator for this process only.
        None => Sandbox::start().await,
    };
    started.map_err(|e| format!("cannot start the sandbox: {e}"))
}

/// For a command on a sandbox profile (`[endpoints] sandbox = true`): the emulator, started
/// again, and its address for the API host. `--api-base`/`XCONNECT_API_BASE` still wins; any
/// other profile gets the flag's value alone. A profile that cannot be read is left to the
/// command, which says why.
pub(crate) async fn sandbox_for(
    g: &Global,
    store: &dyn ProfileStore,
    name: &str,
) -> Result<(Option<Sandbox>, Option<String>), Failure> {
    if g.api_base.is_some() {
        return Ok((None, g.api_base.clone()));
    }
    match store.load(name).await {
        Ok(found) => sandbox_for_profile(g, &found.profile).await,
        Err(_) => Ok((None, g.api_base.clone())),
    }
}

/// [`sandbox_for`] a profile already read.
pub(crate) async fn sandbox_for_profile(
    g: &Global,
    profile: &Profile,
) -> Result<(Option<Sandbox>, Option<String>), Failure> {
    if g.api_base.is_some() {
        return Ok((None, g.api_base.clone()));
    }
    if !profile.endpoints.as_ref().is_some_and(|e| e.sandbox) {
        return Ok((None, None));
    }
    let sandbox = start_sandbox(g)
        .await
        .map_err(|e| Failure::new(exit::FAILURE, e))?;
    let base = sandbox.base_url();
    Ok((Some(sandbox), Some(base)))
}

/// The endpoints and, in sandbox mode, the running emulator.
pub(crate) async fn endpoints(
    g: &Global,
    sandbox: bool,
) -> Result<(Endpoints, Option<Arc<Sandbox>>), String> {
    if sandbox {
        let s = start_sandbox(g).await?;
        return Ok((Endpoints::sandbox(&s.base_url())?, Some(Arc::new(s))));
    }
    let e = Endpoints::from_sources(
        g.auth_base.as_deref().zip(g.auth_source),
        g.api_base.as_deref().zip(g.api_source),
    )?;
    Ok((e, None))
}
