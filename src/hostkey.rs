//! Fetching the host key a path presents (through the edge, or directly).
