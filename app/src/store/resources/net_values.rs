//! The network value types of declared kinds (`ValueType::Address`, `Mask`, `Mac`,
//! `HostNames`): read, checked and kept in one canonical form.
use ipnet::IpNet;
use std::net::IpAddr;

/// Most aliases one host may have.
pub const MAX_HOST_NAMES: usize = 50;

pub fn parse_address(text: &str) -> std::result::Result<IpAddr, String> {
    text.parse::<IpAddr>()
        .map_err(|_| format!("{text:?} is not an IPv4 or IPv6 address."))
}

/// `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`, `aabb.ccdd.eeff` or twelve hex digits.
pub fn parse_mac(text: &str) -> std::result::Result<String, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "{text:?} is not a MAC address; write six hex pairs, e.g. 00:1a:2b:3c:4d:5e."
        ));
    }
    let lower = digits.to_ascii_lowercase();
    Ok(lower
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

/// Host names separated by spaces, commas or lines: each made of dot-separated labels of
/// letters, digits and inner hyphens (RFC 1123), kept lower-case, each once.
pub fn parse_host_names(text: &str) -> std::result::Result<String, String> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split(|c: char| c.is_whitespace() || c == ',') {
        if name.is_empty() {
            continue;
        }
        let name = name.to_ascii_lowercase();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if name.len() > 253 || !name.trim_end_matches('.').split('.').all(label_ok) {
            return Err(format!(
                "{name:?} is not a host name: use letters, digits, hyphens and dots."
            ));
        }
        if !names.contains(&name) {
            names.push(name);
        }
        if names.len() > MAX_HOST_NAMES {
            return Err(format!("Give at most {MAX_HOST_NAMES} names."));
        }
    }
    Ok(names.join(" "))
}

/// The network an address and a mask give: the mask dotted (`255.255.255.0`, IPv4 only) or
/// a prefix length (`24`, `/24`). Host bits set is an error that names the network address.
pub fn network(address: &str, mask: &str) -> std::result::Result<IpNet, String> {
    let address = parse_address(address)?;
    let mask = mask.trim();
    let prefix = if mask.contains('.') {
        let dotted: std::net::Ipv4Addr = mask
            .parse()
            .map_err(|_| format!("{mask:?} is not a network mask."))?;
        if address.is_ipv6() {
            return Err(format!(
                "{mask:?} is an IPv4 mask; give an IPv6 network a prefix length such as 64."
            ));
        }
        ipnet::ipv4_mask_to_prefix(dotted)
            .map_err(|_| format!("{mask:?} is not a network mask: its ones are not contiguous."))?
    } else {
        mask.trim_start_matches('/')
            .parse::<u8>()
            .map_err(|_| format!("{mask:?} is not a network mask or a prefix length."))?
    };
    let net = IpNet::new(address, prefix).map_err(|_| {
        let max = if address.is_ipv4() { 32 } else { 128 };
        format!("A prefix length of {prefix} is too long for {address}; use at most {max}.")
    })?;
    if net.trunc().addr() != address {
        return Err(format!(
            "{address} has host bits set under this mask; the network address is {}.",
            net.trunc().addr()
        ));
    }
    Ok(net)
}

/// How a network's mask is kept: dotted for IPv4, a prefix length for IPv6.
pub(super) fn mask_text(net: &IpNet) -> String {
    match net {
        IpNet::V4(v4) => v4.netmask().to_string(),
        IpNet::V6(v6) => v6.prefix_len().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_read_in_both_families_and_refuse_host_bits() {
        assert_eq!(
            network("10.1.0.0", "255.255.0.0").unwrap().to_string(),
            "10.1.0.0/16"
        );
        assert_eq!(
            network("10.1.0.0", "/16").unwrap().to_string(),
            "10.1.0.0/16"
        );
        assert_eq!(
            network("2001:db8::", "32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(network("10.1.0.5", "24").unwrap_err().contains("10.1.0.0"));
        assert!(network("10.1.0.0", "255.0.255.0")
            .unwrap_err()
            .contains("contiguous"));
        assert!(network("2001:db8::", "255.255.0.0")
            .unwrap_err()
            .contains("IPv6"));
        assert!(network("10.0.0.0", "33")
            .unwrap_err()
            .contains("at most 32"));
        assert!(network("10.0.0.300", "8").is_err());
    }

    #[test]
    fn macs_and_host_names_are_kept_in_one_form() {
        assert_eq!(parse_mac("00-1A-2B-3C-4D-5E").unwrap(), "00:1a:2b:3c:4d:5e");
        assert_eq!(parse_mac("001a.2b3c.4d5e").unwrap(), "00:1a:2b:3c:4d:5e");
        assert!(parse_mac("00:1a:2b:3c:4d").is_err());
        assert!(parse_mac("00:1a:2b:3c:4d:zz").is_err());
        assert_eq!(
            parse_host_names("WWW, intranet.example.com\nwww").unwrap(),
            "www intranet.example.com"
        );
        assert!(parse_host_names("bad_name").is_err());
        assert!(parse_host_names("-lead").is_err());
        let many = (0..=MAX_HOST_NAMES)
            .map(|i| format!("h{i}"))
            .collect::<Vec<_>>();
        assert!(parse_host_names(&many.join(" ")).is_err());
    }
}
