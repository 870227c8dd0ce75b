//! The transfer store host (`login.cloudflareaccess.org`, `login.fed.cloudflareaccess.org`):
//! `GET /transfer/<client key>` long polls (access-protocol.md 3.1).
//!
//! Answers 200 with `base64(nonce || box)` and `service-public-key` once a deposit exists, 404 when
//! the hold runs out, 503 under the `store_5xx` knob. The deposits themselves are `transfer.rs`'s.

use std::sync::atomic::Ordering;

use crate::http::{Request, Response};
use crate::state::Shared;
use crate::transfer::parse_client_key;
use crate::util::b64_std;

/// Serves one request to a transfer store host.
pub(crate) async fn handle(shared: &Shared, req: &Request) -> Response {
    let Some(tail) = req.path_tail("/transfer/") else {
        return Response::new(404).text("404 page not found\n");
    };
    if req.method != "GET" && req.method != "HEAD" {
        return Response::new(405)
            .header("Allow", "GET")
            .text("method not allowed\n");
    }
    if shared.knobs.store_5xx.load(Ordering::SeqCst) {
        return Response::new(503).text("service unavailable");
    }
    let Some(key) = parse_client_key(&tail) else {
        return Response::new(400).text("bad transfer key\n");
    };
    match shared.store.poll(&key, shared.cfg.transfer_hold).await {
        Some(blob) => Response::new(200)
            .header("service-public-key", shared.store.public_key_b64())
            .body("text/plain; charset=utf-8", b64_std(&blob)),
        None => Response::new(404).text("not found\n"),
    }
}
