//! The tus 1.0 photo upload endpoint, at the protocol level.

mod common;

use base64::Engine;
use common::{on_both_databases, TestDb};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The phone sending the photos (every tus request names its device).
static DEVICE: std::sync::LazyLock<(String, String)> = std::sync::LazyLock::new(|| {
    (casa_shared_model::DeviceId::new().to_string(), base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([42u8; 32]))
});

fn device(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    req.header("X-Casa-Device", &DEVICE.0).header("X-Casa-Device-Key", &DEVICE.1)
}

async fn create(http: &reqwest::Client, base: &str, len: usize, sha: Option<&str>) -> reqwest::Response {
    let mut req =
        device(http.post(format!("{base}/api/v1/uploads/"))).header("Tus-Resumable", "1.0.0").header("Upload-Length", len.to_string());
    if let Some(sha) = sha {
        req = req.header("Upload-Metadata", format!("sha256 {}", b64(sha)));
    }
    req.send().await.expect("create")
}

async fn patch(http: &reqwest::Client, url: &str, offset: usize, chunk: &[u8], checksum: Option<String>) -> reqwest::Response {
    let mut req = device(http.patch(url))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(chunk.to_vec());
    if let Some(c) = checksum {
        req = req.header("Upload-Checksum", c);
    }
    req.send().await.expect("patch")
}

fn absolute(base: &str, res: &reqwest::Response) -> String {
    let location = res.headers()["location"].to_str().expect("location").to_owned();
    if location.starts_with("http") {
        location
    } else {
        format!("{base}{location}")
    }
}

async fn the_tus_endpoint_takes_only_photos_whose_bytes_match_their_declared_sha256(db: &TestDb) {
    let server = casa_sync_server::RunningServer::start(db.url(), db.data_dir()).await.expect("start");
    let http = reqwest::Client::new();
    let base = server.url.clone();

    let options = http.request(reqwest::Method::OPTIONS, format!("{base}/api/v1/uploads/")).send().await.expect("options");
    let extensions = options.headers()["tus-extension"].to_str().expect("ext").to_owned();
    for ext in ["creation", "checksum", "termination"] {
        assert!(extensions.contains(ext), "{ext} missing from {extensions}");
    }
    assert!(options.headers()["tus-checksum-algorithm"].to_str().expect("alg").contains("sha256"));

    let photo = casa_e2e::detailed_jpeg(800, 600);
    let sha = hex::encode(Sha256::digest(&photo));
    assert_eq!(create(&http, &base, photo.len(), None).await.status(), StatusCode::FORBIDDEN, "no sha256, no upload");

    // Two chunks, each with its sha256; the second with a lying checksum first.
    let res = create(&http, &base, photo.len(), Some(&sha)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let url = absolute(&base, &res);
    let split = photo.len() / 3;
    let (a, b) = photo.split_at(split);
    let res = patch(&http, &url, 0, a, Some(format!("sha256 {}", b64(Sha256::digest(a))))).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["upload-offset"], split.to_string().as_str());
    let res = patch(&http, &url, split, b, Some(format!("sha256 {}", b64(Sha256::digest(a))))).await;
    assert_eq!(res.status().as_u16(), 460, "checksum mismatch");
    let head = device(http.head(&url)).header("Tus-Resumable", "1.0.0").send().await.expect("head");
    assert_eq!(head.headers()["upload-offset"], split.to_string().as_str(), "the bad chunk was not kept");
    let res = patch(&http, &url, split, b, Some(format!("sha256 {}", b64(Sha256::digest(b))))).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The phone that sent it sees it (no report shows it yet).
    let stored = device(http.get(format!("{base}/api/v1/photos/{sha}"))).send().await.expect("photo");
    assert_eq!(stored.status(), StatusCode::OK);
    assert_eq!(stored.bytes().await.expect("bytes").as_ref(), photo.as_slice());
    assert_eq!(device(http.head(format!("{base}/api/v1/photos/{sha}"))).send().await.expect("head").status(), StatusCode::OK);

    // Content that does not hash to its declared name is refused.
    let liar = "0".repeat(64);
    let res = create(&http, &base, 10, Some(&liar)).await;
    let url = absolute(&base, &res);
    let res = patch(&http, &url, 0, b"0123456789", None).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(http.head(format!("{base}/api/v1/photos/{liar}")).send().await.expect("head").status(), StatusCode::NOT_FOUND);

    // Termination.
    let res = create(&http, &base, 10, Some(&sha)).await;
    let url = absolute(&base, &res);
    let res = device(http.delete(&url)).header("Tus-Resumable", "1.0.0").send().await.expect("delete");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let gone = device(http.head(&url)).header("Tus-Resumable", "1.0.0").send().await.expect("head");
    assert!(gone.status() == StatusCode::NOT_FOUND || gone.status() == StatusCode::GONE, "{}", gone.status());
    assert_eq!(http.get(format!("{base}/api/v1/photos/not-a-sha")).send().await.expect("bad").status(), StatusCode::NOT_FOUND);
    drop(http);
    server.stop().await;
}
on_both_databases!(
    the_tus_endpoint_takes_only_photos_whose_bytes_match_their_declared_sha256,
    super::the_tus_endpoint_takes_only_photos_whose_bytes_match_their_declared_sha256
);
