//! The address a request came from, for limits kept per client.
//!
//! By default that is the TCP peer, and `X-Forwarded-For` is ignored: any
//! client can write that header, so believing it would let an attacker pick
//! a fresh address for every attempt (or someone else's). Behind a reverse
//! proxy every request arrives from the proxy, so its address (or range) is
//! listed in `CASA_TRUSTED_PROXIES`; only for requests from those is
//! `X-Forwarded-For` read, from the right, skipping the trusted hops: the
//! first address not trusted is the client (what the nearest proxy saw).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};

use crate::platform::state::AppState;

/// Addresses and CIDR ranges of the reverse proxies whose `X-Forwarded-For`
/// is believed. Empty: none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("proxy non valido / invalid trusted proxy «{0}»: an address or a CIDR range (10.0.0.0/8, ::1)")]
pub struct InvalidProxy(String);

impl TrustedProxies {
    /// Parses a comma- or space-separated list: `127.0.0.1, 10.0.0.0/8, ::1`.
    pub fn parse(list: &str) -> Result<Self, InvalidProxy> {
        let mut nets = Vec::new();
        for item in list.split([',', ' ', '\t', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
            let bad = || InvalidProxy(item.to_owned());
            let (addr, bits) = match item.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits.parse::<u8>().map_err(|_| bad())?)),
                None => (item, None),
            };
            let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = bits.unwrap_or(max);
            if bits > max {
                return Err(bad());
            }
            nets.push((addr, bits));
        }
        Ok(Self(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix(u128::from(u32::from(n)), 32, bits) == prefix(u128::from(u32::from(a)), 32, bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix(u128::from(n), 128, bits) == prefix(u128::from(a), 128, bits),
            _ => false,
        })
    }
}

/// The top `bits` of a `width`-bit number.
fn prefix(value: u128, width: u32, bits: u8) -> u128 {
    let drop = width.saturating_sub(u32::from(bits));
    value.checked_shr(drop).unwrap_or(0)
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`, what a dual-stack
/// socket reports) is the IPv4 address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The client's address: the peer's, or behind a trusted proxy the one it
/// forwarded. `None` when the server did not record the peer (a router
/// driven without the accept loop, as in some tests).
pub fn client_ip(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = canonical(peer?.ip());
    if trusted.is_empty() || !trusted.contains(peer) {
        return Some(peer);
    }
    // Every X-Forwarded-For line, in order; the right-most entries were
    // added by the proxies nearest to us.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if trusted.contains(ip) => continue,
            Some(ip) => return Some(ip),
            // Garbage where an address should be: what lies to its left was
            // written by someone we cannot vouch for; the last trusted hop
            // is the best we know.
            None => break,
        }
    }
    Some(peer)
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`
/// or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// The client's address of a request, as [`client_ip`] finds it with the
/// server's trusted proxies.
pub fn of_request(extensions: &Extensions, headers: &HeaderMap, state: &AppState) -> Option<IpAddr> {
    // Read from the extensions (not with the `ConnectInfo` extractor, which
    // fails the request when the server did not put it there).
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    client_ip(peer, headers, &state.trusted_proxies())
}

/// The client's address as an extractor that never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientIp(of_request(&parts.extensions, &parts.headers, state)))
    }
}

/// How an address reads in the audit log.
pub fn describe(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "an unknown address".to_owned(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
    const DOC_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));

    fn peer(ip: IpAddr) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip, 40000))
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let h = forwarded(&["203.0.113.7"]);
        assert_eq!(client_ip(peer(LOOPBACK), &h, &TrustedProxies::default()), Some(LOOPBACK));
        assert_eq!(client_ip(None, &h, &TrustedProxies::default()), None);
        let mapped: IpAddr = "::ffff:198.51.100.4".parse().expect("ip");
        assert_eq!(client_ip(peer(mapped), &h, &TrustedProxies::default()), Some("198.51.100.4".parse().expect("ip")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8 ::1").expect("list");
        // The client wrote a fake first hop; the proxies appended the real one and themselves.
        let h = forwarded(&["1.1.1.1, 203.0.113.7", "10.1.2.3"]);
        assert_eq!(client_ip(peer(LOOPBACK), &h, &trusted), Some("203.0.113.7".parse().expect("ip")));
        // A request straight from a client that is not a proxy: its header is ignored.
        assert_eq!(client_ip(peer(DOC_V6), &h, &trusted), Some(DOC_V6));
        // A proxy that forwarded nothing, or garbage: the proxy itself.
        assert_eq!(client_ip(peer(LOOPBACK), &HeaderMap::new(), &trusted), Some(LOOPBACK));
        assert_eq!(client_ip(peer(LOOPBACK), &forwarded(&["unknown"]), &trusted), Some(LOOPBACK));
        assert_eq!(client_ip(peer(LOOPBACK), &forwarded(&["[2001:db8::1]:443"]), &trusted), Some(DOC_V6));
    }

    #[test]
    fn proxy_lists_are_addresses_or_ranges() {
        let t = TrustedProxies::parse("192.168.0.0/16,2001:db8::/32").expect("list");
        assert!(t.contains("192.168.44.1".parse().expect("ip")) && !t.contains("192.169.0.1".parse().expect("ip")));
        assert!(t.contains(DOC_V6) && !t.contains(LOOPBACK));
        assert!(TrustedProxies::parse("").expect("empty").is_empty());
        assert!(TrustedProxies::parse("0.0.0.0/0").expect("all").contains("8.8.8.8".parse().expect("ip")));
        for bad in ["10.0.0.0/33", "proxy.local", "10.0.0.0/x"] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
    }
}
