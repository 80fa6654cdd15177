import Foundation

/// Identifies one accepted report. Also the Kafka key of everything about it, so its events stay ordered.
public struct ReportID: Hashable, Codable, Sendable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID = UUID.random()) { self.uuid = uuid }

    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
    }

    public var description: String { uuid.uuidString.lowercased() }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad report id"))
        }
        self.uuid = uuid
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The short case reference a reporter types on a feature phone: 6 characters of Crockford base32.
///
/// 32^6 ≈ 1.07 billion codes, drawn from a CSPRNG, so a guesser who sends thousands of STATUS
/// requests finds nothing; Crockford's alphabet has no I, L, O or U, and decoding folds the
/// look-alikes (o→0, i/l→1) so a mistyped code still matches.
public struct ReferenceCode: Hashable, Codable, Sendable, CustomStringConvertible {
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 6

    public let value: String

    /// Issued codes always hold at least one digit, so an SMS word such as "BANDIT" is never a code.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> ReferenceCode {
        while true {
            var characters: [Character] = []
            characters.reserveCapacity(length)
            for _ in 0..<length {
                characters.append(alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))])
            }
            if characters.contains(where: \.isNumber) { return ReferenceCode(validated: String(characters)) }
        }
    }

    public static func random() -> ReferenceCode {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    private init(validated: String) { self.value = validated }

    /// Parses what a person typed: case-insensitive, tolerant of o/i/l look-alikes, spaces and dashes.
    public init?(parsing text: String) {
        var normalised: [Character] = []
        for character in text.uppercased() {
            switch character {
            case " ", "-": continue
            case "O": normalised.append("0")
            case "I", "L": normalised.append("1")
            default:
                guard Self.alphabet.contains(character) else { return nil }
                normalised.append(character)
            }
        }
        guard normalised.count == Self.length else { return nil }
        self.value = String(normalised)
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = ReferenceCode(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad reference code"))
        }
        self = code
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension UUID {
    /// A version 4 (random) UUID drawn from `SystemRandomNumberGenerator`, one `getrandom(2)` per
    /// half. `UUID()` here opens, reads and closes `/dev/urandom` on every call: about 3.5 % of
    /// intake's CPU per webhook in a `perf` profile, for two ids per report.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var halves = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &halves) { bytes in
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4
            bytes[8] = bytes[8] & 0x3F | 0x80  // RFC 4122 variant
            return UUID(uuid: bytes.loadUnaligned(as: uuid_t.self))
        }
    }
}
