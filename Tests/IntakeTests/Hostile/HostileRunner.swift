import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// What came back for one request: a status, or a transport error.
struct HostileOutcome: Sendable {
    var index: Int
    var status: HTTPResponse.Status?
    var errorCode: String?
    var transportError: String?
    /// Sent again on a fresh connection because the server had closed the previous one after
    /// answering the request before with this status.
    var resentAfter: Int?
}

/// Sends the corpus over `concurrency` keep-alive connections, each working through its share in order.
enum HostileRunner {
    static func run(_ requests: [HostileCorpus.Request], port: Int, concurrency: Int) async throws -> [HostileOutcome] {
        try await withThrowingTaskGroup(of: [HostileOutcome].self) { group in
            for worker in 0..<concurrency {
                let share = requests.filter { ($0.group ?? $0.index) % concurrency == worker }
                group.addTask { try await send(share, port: port) }
            }
            var outcomes: [HostileOutcome] = []
            for try await part in group { outcomes += part }
            return outcomes.sorted { $0.index < $1.index }
        }
    }

    static func connect(port: Int) -> TestClient {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30)))
        client.connect()
        return client
    }

    /// The keep-alive race: the connection closed under a request the server never processed.
    static func closedBeforeAnswer(_ error: any Error) -> Bool {
        if case ChannelError.ioOnClosedChannel = error { return true }
        if let error = error as? TestClient.Error, error == .connectionClosing { return true }
        return false
    }

    static func send(_ requests: [HostileCorpus.Request], port: Int) async throws -> [HostileOutcome] {
        var client = connect(port: port)
        var outcomes: [HostileOutcome] = []
        outcomes.reserveCapacity(requests.count)
        var lastStatus = 0
        for request in requests {
            var headers = request.headers
            headers[.connection] = "keep-alive"
            let body: ByteBuffer? = request.body.isEmpty && request.method == .get ? nil : ByteBuffer(bytes: request.body)
            let testRequest = TestClient.Request(request.uri, method: request.method, authority: "hotline.test", headers: headers, body: body)
            do {
                let response: TestClient.Response
                var resentAfter: Int?
                do {
                    response = try await client.execute(testRequest)
                } catch let error where Self.closedBeforeAnswer(error) {
                    // The server closed this keep-alive connection after the previous answer, as this
                    // request was being written: it was not processed, so sending again is safe.
                    try? await client.shutdown()
                    client = connect(port: port)
                    response = try await client.execute(testRequest)
                    resentAfter = lastStatus
                }
                outcomes.append(HostileOutcome(index: request.index, status: response.status, errorCode: errorCode(response.body), resentAfter: resentAfter))
                lastStatus = response.status.code
                if response.headers[.connection]?.lowercased() == "close" {
                    try? await client.shutdown()
                    client = connect(port: port)
                }
            } catch {
                outcomes.append(HostileOutcome(index: request.index, status: nil, transportError: "\(error)"))
                try? await client.shutdown()
                client = connect(port: port)
            }
        }
        try? await client.shutdown()
        return outcomes
    }

    static func errorCode(_ body: ByteBuffer?) -> String? {
        guard let body, let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else { return nil }
        return (object["error"] as? [String: Any])?["code"] as? String
    }
}

/// Judges the outcomes against the corpus' expectations and says what must and must not be stored.
struct HostileReport {
    var failures: [String] = []
    var serverErrors = 0
    var transportErrors = 0
    var resentAfter: [Int: Int] = [:]
    var forgedTotal = 0
    var forgedRefused = 0
    var statuses: [Int: Int] = [:]
    var perCategory: [HostileCorpus.Category: (sent: Int, refused: Int)] = [:]
    var markersThatMustNotBeStored = Set<String>()
    var markersThatMustBeStored = Set<String>()
    var phonesThatMustNotBeStored = Set<String>()
    var verbatimTexts: [String: String] = [:]

    init(requests: [HostileCorpus.Request], outcomes: [HostileOutcome]) {
        var acceptedMarkers = Set<String>(), refusedMarkers = Set<String>(), acceptedPhones = Set<String>(), refusedPhones = Set<String>()
        for (request, outcome) in zip(requests, outcomes) {
            precondition(request.index == outcome.index)
            if let previous = outcome.resentAfter { resentAfter[previous, default: 0] += 1 }
            let describe = "#\(request.index) [\(request.category.rawValue)] \(request.variant) \(request.method) \(request.uri.prefix(80))"
            markersThatMustNotBeStored.formUnion(request.unstoredMarkers)
            guard let status = outcome.status else {
                transportErrors += 1
                failures.append("\(describe): no answer (\(outcome.transportError ?? "?"))")
                continue
            }
            statuses[status.code, default: 0] += 1
            let refused = (400..<500).contains(status.code)
            perCategory[request.category, default: (0, 0)].sent += 1
            if refused { perCategory[request.category, default: (0, 0)].refused += 1 }
            if status.code >= 500 { serverErrors += 1 }
            let met: Bool
            switch request.expectation {
            case .forged(let expected):
                forgedTotal += 1
                if status == expected { forgedRefused += 1 }
                met = status == expected
            case .rejected: met = refused
            case .accepted: met = (200..<300).contains(status.code)
            case .either: met = status.code < 500
            }
            if !met { failures.append("\(describe): answered \(status.code) \(outcome.errorCode ?? ""), expected \(request.expectation)") }
            if refused {
                refusedMarkers.formUnion(request.markers)
                refusedPhones.formUnion(request.phones)
            } else if (200..<300).contains(status.code) {
                acceptedMarkers.formUnion(request.markers)
                acceptedPhones.formUnion(request.phones)
                if request.category == .valid { markersThatMustBeStored.formUnion(request.markers) }
                if let text = request.verbatimText, let marker = request.markers.first { verbatimTexts[marker] = text }
            }
        }
        // A replayed or reused body shares its marker with the accepted original: only what no
        // accepted request carried is proof of a refusal.
        markersThatMustNotBeStored.formUnion(refusedMarkers.subtracting(acceptedMarkers))
        phonesThatMustNotBeStored = refusedPhones.subtracting(acceptedPhones)
    }

    func summary(elapsed: Duration, seed: UInt64, concurrency: Int) -> String {
        let total = statuses.values.reduce(0, +) + transportErrors
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var lines = [String(format: "hostile corpus: %d requests in %.1f s (%.0f/s) over %d connections, seed %llu", total, seconds,
                            Double(total) / max(seconds, 0.001), concurrency, seed)]
        lines.append("  5xx: \(serverErrors), no answer: \(transportErrors), forged refused: \(forgedRefused)/\(forgedTotal), "
                     + "answered against expectation: \(failures.count)")
        lines.append("  resent on a fresh connection (the server closed the previous one after answering): "
                     + (resentAfter.isEmpty ? "none" : resentAfter.sorted { $0.key < $1.key }.map { "\($0.value) after a \($0.key)" }.joined(separator: ", ")))
        lines.append("  statuses: " + statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
        for category in HostileCorpus.Category.allCases {
            let counts = perCategory[category] ?? (0, 0)
            lines.append("  \(category.rawValue): \(counts.sent) sent, \(counts.refused) refused")
        }
        return lines.joined(separator: "\n")
    }
}
