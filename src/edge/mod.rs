//! How bytes reach the Access edge, in the order a connection takes them. Nothing here prints
//! (the relay writes the origin's bytes to stdout, and only those): failures come back as values,
//! login progress goes to the sink the command passes, and the commands decide what to show.
//!
//! - [`dial`]: TCP (directly or through the `HTTPS_PROXY` CONNECT proxy), then verified TLS.
//! - [`http`]: HTTP/1.1 requests and responses on one such connection.
//! - [`pool`]: connection reuse across requests to the same host, and the request deadlines.
//! - [`tunnel`]: the WebSocket upgrade on a pooled connection, then the byte relay.
//! - [`carrier`]: one tunnel to an Access application: the dials, discovery and the token
//!   between them (the login itself is `access::login`).

pub mod carrier;
pub mod dial;
pub mod http;
pub mod pool;
pub mod tunnel;
