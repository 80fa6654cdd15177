import Crypto
import Foundation
import HotlineDomain

/// One stored link of a case's audit chain, as the verifier reads it back.
package struct AuditLink: Sendable, Equatable, Encodable {
    package var caseID: UUID
    package var sequence: Int
    package var kind: String
    package var fromState: String?
    package var toState: String?
    package var actorID: String
    package var actorRole: String
    package var channel: String
    package var target: String?
    package var detail: String?
    package var rating: Int?
    /// Milliseconds since 1970: what the hash covers, so storage precision cannot break a chain.
    package var occurredAtMilliseconds: Int64
    package var previousHash: String
    package var hash: String

    package init(caseID: UUID, sequence: Int, kind: String, fromState: String?, toState: String?, actorID: String, actorRole: String,
                 channel: String, target: String?, detail: String?, rating: Int?, occurredAtMilliseconds: Int64,
                 previousHash: String, hash: String) {
        self.caseID = caseID
        self.sequence = sequence
        self.kind = kind
        self.fromState = fromState
        self.toState = toState
        self.actorID = actorID
        self.actorRole = actorRole
        self.channel = channel
        self.target = target
        self.detail = detail
        self.rating = rating
        self.occurredAtMilliseconds = occurredAtMilliseconds
        self.previousHash = previousHash
        self.hash = hash
    }

    /// The canonical content: a JSON array of strings in a fixed order, so any verifier can recompute it.
    package var canonicalContent: String {
        let fields: [String] = [
            caseID.uuidString.lowercased(), String(sequence), kind, fromState ?? "", toState ?? "", actorID, actorRole, channel,
            target ?? "", detail ?? "", rating.map(String.init) ?? "", String(occurredAtMilliseconds),
        ]
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    package var expectedHash: String { AuditChain.hash(previous: previousHash, content: canonicalContent) }
}

/// The first link that does not hold, and why.
package struct AuditBreak: Sendable, Equatable, CustomStringConvertible {
    package var caseID: UUID
    package var sequence: Int
    package var reason: String

    package var description: String { "case \(caseID.uuidString.lowercased()) event \(sequence): \(reason)" }
}

/// Per-case hash chain: each event's hash is SHA-256 of the previous hash and its canonical content.
package enum AuditChain {
    package static let genesis = String(repeating: "0", count: 64)

    package static func hash(previous: String, content: String) -> String {
        SHA256.hash(data: Data((previous + "\n" + content).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    package static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Checks one case's links, ordered by sequence: contiguous from 1, linked, and each hash recomputed.
    package static func verify(_ links: [AuditLink]) -> AuditBreak? {
        var previous = genesis
        for (offset, link) in links.enumerated() {
            if link.sequence != offset + 1 {
                return AuditBreak(caseID: link.caseID, sequence: link.sequence, reason: "expected event \(offset + 1): a link is missing")
            }
            if link.previousHash != previous {
                return AuditBreak(caseID: link.caseID, sequence: link.sequence, reason: "previous hash does not match the chain")
            }
            if link.hash != link.expectedHash {
                return AuditBreak(caseID: link.caseID, sequence: link.sequence, reason: "content does not match its hash (altered)")
            }
            previous = link.hash
        }
        return nil
    }
}
