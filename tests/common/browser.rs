//! The browser of a person on this machine, played over HTTP against the sandbox.

/// Plays the browser over HTTP, as a person on this machine would: opens the consent page the
/// link leads to and clicks "Authorize app". Returns where X sends the browser.
pub fn approve_over_http(link: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let page = http
            .get(link)
            .send()
            .await
            .expect("consent page")
            .text()
            .await
            .expect("page text");
        let marker = "name=\"request_id\" value=\"";
        let start = page.find(marker).expect("a consent form") + marker.len();
        let id = &page[start..start + page[start..].find('"').expect("end of id")];
        let url = url::Url::parse(link).expect("link");
        let decide = url
            .join(xconnect::sandbox::DECIDE_PATH)
            .expect("decide url");
        let answer = http
            .post(decide)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("request_id={id}&decision=authorize"))
            .send()
            .await
            .expect("decide");
        answer
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .expect("a redirect")
            .to_string()
    })
}

/// The browser lands on `url` (a callback): the body of the answer.
pub fn land(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        reqwest::get(url)
            .await
            .expect("the callback answers")
            .text()
            .await
            .expect("body")
    })
}
