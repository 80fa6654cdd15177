import AccountabilityService
import Foundation
import Testing

@Suite("Audit chain")
struct AuditChainTests {
    func chain(_ count: Int) -> [AuditLink] {
        let caseID = UUID()
        var previous = AuditChain.genesis
        return (1...count).map { sequence in
            var link = AuditLink(caseID: caseID, sequence: sequence, kind: "note", fromState: nil, toState: nil, actorID: "M-1",
                                 actorRole: "chair", channel: "sms", target: nil, detail: "note \(sequence)", rating: nil,
                                 occurredAtMilliseconds: 1_800_000_000_000 + Int64(sequence), previousHash: previous, hash: "")
            link.hash = link.expectedHash
            previous = link.hash
            return link
        }
    }

    @Test("an intact chain verifies; any altered field, removed link or re-hashed link is found at its first break")
    func tamperDetection() {
        let links = chain(5)
        #expect(AuditChain.verify(links) == nil)

        var altered = links
        altered[2].detail = "note edited afterwards"
        #expect(AuditChain.verify(altered)?.sequence == 3)

        var removed = links
        removed.remove(at: 1)
        #expect(AuditChain.verify(removed)?.sequence == 3)

        // Re-hashing the altered link itself is caught by the next link's previous hash.
        var rehashed = links
        rehashed[1].actorID = "M-2"
        rehashed[1].hash = rehashed[1].expectedHash
        #expect(AuditChain.verify(rehashed)?.sequence == 3)
    }

    @Test("the hash covers every field")
    func coverage() {
        let link = chain(1)[0]
        let mutations: [(inout AuditLink) -> Void] = [
            { $0.kind = "transition" }, { $0.fromState = "routed" }, { $0.toState = "resolved" }, { $0.actorID = "x" },
            { $0.actorRole = "x" }, { $0.channel = "api" }, { $0.target = "T" }, { $0.rating = 5 }, { $0.occurredAtMilliseconds += 1 },
        ]
        for mutate in mutations {
            var changed = link
            mutate(&changed)
            #expect(changed.expectedHash != link.hash)
        }
    }
}
