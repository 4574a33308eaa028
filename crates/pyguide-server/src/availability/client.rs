//! Who a client is: its IP address (an IPv6 address by its /64, since one household or phone
//! gets a whole /64), or, behind a trusted proxy, the address that proxy says it forwarded for.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// One client, as far as sharing the server goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Client(IpAddr);

impl Client {
    /// The client behind address `ip`.
    pub fn from_ip(ip: IpAddr) -> Client {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                Client(IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0)))
            }
            v4 => Client(v4),
        }
    }

    /// The address (a /64's first address for IPv6).
    pub fn ip(&self) -> IpAddr {
        self.0
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V6(_) => write!(f, "{}/64", self.0),
            IpAddr::V4(_) => write!(f, "{}", self.0),
        }
    }
}

/// Finds the client of a request from its peer address and, when the peer is a trusted proxy,
/// its forwarding headers.
#[derive(Debug, Clone, Default)]
pub struct ClientResolver {
    trusted: Vec<IpNet>,
}

impl ClientResolver {
    pub fn new(trusted: Vec<IpNet>) -> ClientResolver {
        ClientResolver { trusted }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client: the peer itself, unless the peer is a trusted proxy; then the right-most
    /// forwarded address that is not a trusted proxy (the left part of the header is whatever
    /// the client wrote, so it is never believed). `Forwarded` is read when there is no
    /// `X-Forwarded-For`. A header that cannot be parsed counts as absent.
    pub fn resolve(&self, peer: SocketAddr, headers: &HeaderMap) -> Client {
        if !self.is_trusted(peer.ip()) {
            return Client::from_ip(peer.ip());
        }
        let chain = forwarded_for(headers);
        let client = chain.iter().rev().copied().find(|ip| !self.is_trusted(*ip));
        // Every hop was a trusted proxy: the left-most one is as far as the chain goes.
        Client::from_ip(client.or_else(|| chain.first().copied()).unwrap_or(peer.ip()))
    }
}

/// The addresses of `X-Forwarded-For` (every such header, in order), else of `Forwarded`'s
/// `for=` parameters. Entries that are not addresses (`unknown`, obfuscated names) end the
/// chain there: nothing left of them can be believed.
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entries: Vec<String> = if !xff.is_empty() {
        xff.into_iter().map(str::to_string).collect()
    } else {
        headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.eq_ignore_ascii_case("for").then(|| v.trim_matches('"').to_string())
                })
            })
            .collect()
    };
    let mut chain = Vec::new();
    for entry in entries.iter().rev() {
        match parse_node(entry) {
            Some(ip) => chain.push(ip),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// An address as a proxy writes it: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|r| r.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn peer(s: &str) -> SocketAddr {
        SocketAddr::new(s.parse().unwrap(), 40000)
    }

    fn proxies() -> ClientResolver {
        ClientResolver::new(vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()])
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let h = headers(&[("x-forwarded-for", "198.51.100.9"), ("forwarded", "for=198.51.100.10")]);
        assert_eq!(proxies().resolve(peer("203.0.113.5"), &h).ip(), "203.0.113.5".parse::<IpAddr>().unwrap());
        assert_eq!(ClientResolver::default().resolve(peer("10.1.2.3"), &h).to_string(), "10.1.2.3");
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client() {
        let r = proxies();
        // The client wrote 1.1.1.1 itself; the proxy appended what it saw, 198.51.100.9.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.9, 10.0.0.2")]);
        assert_eq!(r.resolve(peer("10.0.0.1"), &h).to_string(), "198.51.100.9");
        // Several headers are one list, in order.
        let h = headers(&[("x-forwarded-for", "1.1.1.1"), ("x-forwarded-for", "198.51.100.9:5555")]);
        assert_eq!(r.resolve(peer("10.0.0.1"), &h).to_string(), "198.51.100.9");
        // Forwarded, when there is no X-Forwarded-For.
        let h = headers(&[("forwarded", "for=1.1.1.1, for=\"[2001:db8:1:2:3::4]:80\";proto=https")]);
        assert_eq!(r.resolve(peer("10.0.0.1"), &h).to_string(), "2001:db8:1:2::/64");
        // A trusted peer that forwards nothing is itself the client.
        assert_eq!(r.resolve(peer("10.0.0.1"), &HeaderMap::new()).to_string(), "10.0.0.1");
        // Garbage to the right stops the chain: nothing left of it is believed.
        let h = headers(&[("x-forwarded-for", "198.51.100.9, unknown")]);
        assert_eq!(r.resolve(peer("10.0.0.1"), &h).to_string(), "10.0.0.1");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_v4_as_v4() {
        let a = Client::from_ip("2001:db8:aa:bb:1::1".parse().unwrap());
        let b = Client::from_ip("2001:db8:aa:bb:ffff::2".parse().unwrap());
        let c = Client::from_ip("2001:db8:aa:bc::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(Client::from_ip("::ffff:192.0.2.1".parse().unwrap()).to_string(), "192.0.2.1");
    }
}
