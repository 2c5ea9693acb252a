package dev.switchboard.transport;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies allowed to say who the client is (the trusted-proxies option). A connection's client address is
 * its socket's peer, unless that peer is one of these: then the address the proxy names counts instead (a PROXY
 * protocol header's source, then X-Forwarded-For read from the right, past every trusted hop). A client can
 * put anything in its own X-Forwarded-For, so only what trusted proxies appended is believed.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    // Netty's subnet rule, so that no CIDR arithmetic is written here
    private final List<IpSubnetFilterRule> subnets;

    private TrustedProxies(List<IpSubnetFilterRule> subnets) {
        this.subnets = subnets;
    }

    /**
     * Parses a comma-separated list of addresses and CIDRs ({@code 10.0.0.0/8}, {@code 192.0.2.7},
     * {@code fd00::/8}); null or blank is none.
     *
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static TrustedProxies parse(String list) {
        if (list == null || list.isBlank()) {
            return NONE;
        }
        List<IpSubnetFilterRule> subnets = new ArrayList<>();
        for (String raw : list.split(",")) {
            String entry = raw.trim();
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
            if (bytes == null) {
                throw new IllegalArgumentException("not an IP address or CIDR: " + entry);
            }
            int bits = bytes.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? bits : Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IP address or CIDR: " + entry);
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("not an IP address or CIDR: " + entry);
            }
            subnets.add(new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
        }
        return new TrustedProxies(List.copyOf(subnets));
    }

    public boolean isEmpty() {
        return subnets.isEmpty();
    }

    public boolean trusts(InetAddress address) {
        if (address == null) {
            return false;
        }
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule subnet : subnets) {
            if (subnet.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client's address.
     *
     * @param peer         the socket's peer
     * @param proxied      the source a PROXY protocol header named, or null
     * @param forwardedFor the X-Forwarded-For values joined with commas, or null
     */
    public InetAddress client(InetAddress peer, InetAddress proxied, String forwardedFor) {
        InetAddress hop = peer;
        if (proxied != null && trusts(hop)) {
            hop = proxied;
        }
        if (forwardedFor == null || !trusts(hop)) {
            return hop;
        }
        String[] entries = forwardedFor.split(",");
        for (int i = entries.length - 1; i >= 0 && trusts(hop); i--) {
            InetAddress named = address(entries[i].trim());
            if (named == null) {
                return hop; // a malformed entry: believe nothing left of it
            }
            hop = named;
        }
        return hop;
    }

    /** An X-Forwarded-For entry: an IPv4 or IPv6 literal, possibly with a port or IPv6 brackets. */
    private static InetAddress address(String entry) {
        String literal = entry;
        if (literal.startsWith("[")) {
            int end = literal.indexOf(']');
            literal = end < 0 ? "" : literal.substring(1, end);
        } else if (literal.indexOf(':') >= 0 && literal.indexOf(':') == literal.lastIndexOf(':')) {
            literal = literal.substring(0, literal.indexOf(':')); // IPv4 with a port
        }
        return NetUtil.createInetAddressFromIpAddressString(literal);
    }
}
