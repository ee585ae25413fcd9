//! The client's address: the peer's, or behind a configured reverse proxy, the address the proxy
//! put last in `X-Forwarded-For`. Anything before it in the header was written by the client and
//! is not believed; the header from a peer that is not a configured proxy is ignored altogether.

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    // Several headers are one list, in order; the proxy appends to the last.
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty());
    last.and_then(|v| v.parse().ok()).unwrap_or(peer)
}

/// The rate limits' key: the client's address as above.
#[derive(Clone)]
pub(crate) struct ClientIpKey {
    pub(crate) trusted_proxies: Arc<[IpAddr]>,
}

impl KeyExtractor for ClientIpKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(client_ip(peer, req.headers(), &self.trusted_proxies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_a_configured_proxys_last_forwarded_address_is_believed() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted = [proxy];
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        // Through the proxy: the address it appended, not what the client wrote before it.
        assert_eq!(client_ip(proxy, &headers(&["1.2.3.4, 203.0.113.7"]), &trusted), client);
        assert_eq!(client_ip(proxy, &headers(&["1.2.3.4", "203.0.113.7"]), &trusted), client);
        // Straight from a stranger: the header is ignored.
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        assert_eq!(client_ip(stranger, &headers(&["203.0.113.7"]), &trusted), stranger);
        // A proxy sending nothing usable: its own address.
        assert_eq!(client_ip(proxy, &headers(&["not-an-address"]), &trusted), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
    }
}
