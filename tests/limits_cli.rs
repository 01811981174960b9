//! X as it bills in 2026, through the real binary against the sandbox: a usage cap and an
//! empty credit balance are told apart from a rate limit (exit 7, never retried, the
//! Developer Console named), a rate limit is waited for with `--wait` (bounded by
//! `--wait-max`) and sent once more, and `--paginate` says how many billed calls it made.

mod common;

use common::cli::World;
use xconnect::sandbox::api::Endpoint;

fn me_id() -> String {
    xconnect::sandbox::SandboxUser::default().id
}

#[test]
fn a_usage_cap_is_not_a_rate_limit_exits_7_and_is_never_retried() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_usage_cap(Some(("Monthly", "Product")));
    for args in [
        vec!["api", "/2/users/me"],
        vec!["api", "/2/users/me", "--wait"],
        vec!["post", "incident 42 resolved", "--wait"],
    ] {
        let before = w.sandbox.stats().plan_refusals;
        let e = w.run(&args);
        assert_eq!(e.code, 7, "{args:?}: {}", e.stderr);
        assert!(e.stdout.is_empty(), "{}", e.stdout);
        assert!(
            e.stderr
                .contains("the monthly usage cap of this product is reached"),
            "{}",
            e.stderr
        );
        assert!(e.stderr.contains("Developer Console"), "{}", e.stderr);
        assert!(!e.stderr.contains("Try again"), "{}", e.stderr);
        assert!(!e.stderr.contains("rate limit is spent"), "{}", e.stderr);
        assert_eq!(
            w.sandbox.stats().plan_refusals,
            before + 1,
            "{args:?}: sent once, not retried"
        );
    }
}

#[test]
fn out_of_credits_exits_7_and_is_never_retried() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_credits(Some(1));
    assert_eq!(w.run(&["api", "/2/users/me"]).code, 0);
    let e = w.run(&["api", "/2/users/me", "--wait"]);
    assert_eq!(e.code, 7, "{}", e.stderr);
    assert!(
        e.stderr.contains("out of pay-per-use credits (HTTP 402)"),
        "{}",
        e.stderr
    );
    assert!(e.stderr.contains("add credits"), "{}", e.stderr);
    assert_eq!(w.sandbox.stats().plan_refusals, 1);
}

#[test]
fn wait_waits_for_the_rate_limit_s_reset_and_sends_once_more() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_rate_limit(Endpoint::UserTweets, 1);
    w.sandbox.set_rate_window(std::time::Duration::from_secs(2));
    let path = format!("/2/users/{}/tweets", me_id());
    assert_eq!(w.run(&["api", &path]).code, 0);
    let e = w.run(&["api", &path, "--wait"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains("waiting"), "said on stderr: {}", e.stderr);
    assert!(e.stdout.contains("\"meta\""), "X's answer: {}", e.stdout);
    assert_eq!(
        w.sandbox.stats().rate_limited,
        1,
        "one 429, then the answer"
    );
}

#[test]
fn without_wait_or_past_wait_max_a_rate_limit_exits_5_at_once() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_rate_limit(Endpoint::UserTweets, 1);
    let path = format!("/2/users/{}/tweets", me_id());
    assert_eq!(w.run(&["api", &path]).code, 0);
    let e = w.run(&["api", &path]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    // The window is X's 15 minutes: past a bound of 2 s, so no wait.
    let e = w.run(&["api", &path, "--wait", "--wait-max", "2"]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(e.stderr.contains("past --wait-max"), "{}", e.stderr);
    assert_eq!(w.sandbox.stats().rate_limited, 2);
}

#[test]
fn paginate_says_how_many_billed_calls_it_made() {
    let w = World::new();
    w.logged_in("default");
    for i in 0..12 {
        w.sandbox.add_tweet(&format!("post {i}"));
    }
    let path = format!("/2/users/{}/tweets", me_id());
    let e = w.run(&["api", &path, "-f", "max_results=5", "--paginate"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stderr.contains("3 pages (3 billed calls)"),
        "{}",
        e.stderr
    );
}
