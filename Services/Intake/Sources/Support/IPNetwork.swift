import NIOCore

/// A CIDR network (`196.201.214.0/23`, `2001:db8::/32`) for source allowlists.
public struct IPNetwork: Sendable, Hashable {
    let bytes: [UInt8]
    let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = Self.parse(String(parts[0])) else { return nil }
        let maxPrefix = address.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : maxPrefix
        guard let prefix, (0...maxPrefix).contains(prefix) else { return nil }
        self.bytes = address
        self.prefixLength = prefix
    }

    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public func contains(_ address: String) -> Bool {
        Self.parse(address).map(contains) ?? false
    }

    /// IPv4 or IPv6 text to bytes, through NIO's parser.
    static func parse(_ text: String) -> [UInt8]? {
        guard let socket = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch socket {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }

    static func bytes(of address: SocketAddress?) -> [UInt8]? {
        switch address {
        case .v4(let v4): withUnsafeBytes(of: v4.address.sin_addr.s_addr) { Array($0) }
        case .v6(let v6): withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        default: nil
        }
    }
}
