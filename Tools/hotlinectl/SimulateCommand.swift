import ArgumentParser
import AsyncHTTPClient
import Foundation
import HotlineReference
import NIOCore

/// Posts synthetic reports through the real intake endpoint, as Africa's Talking would, at a set rate.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post N realistic synthetic SMS reports through intake's Africa's Talking endpoint at a given rate.",
        discussion: """
            Numbers are drawn from a fictional range (+223 76 xx xx xx) and every message has a unique gateway id, so a
            run can be checked exactly afterwards. Progress goes to standard error; the summary to standard output.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "How many reports.") var count = 100
    @Option(help: "Reports per second.") var rate = 10.0
    @Option(help: "Requests in flight at most.") var concurrency = 32
    @Option(help: "Intake's base URL.") var intake = "http://127.0.0.1:8080"
    @Option(help: "HOTLINE_AT_WEBHOOK_TOKEN of that intake.") var token = "dev-africastalking-token"
    @Option(help: "Folder with gazetteer.csv, for place names.") var reference = "reference"
    @Option(help: "Random seed, for a reproducible run.") var seed: UInt64 = 1

    func validate() throws {
        guard count > 0, rate > 0, concurrency > 0 else { throw ValidationError("count, rate and concurrency must be positive") }
    }

    func run() async throws {
        let gazetteer = try Gazetteer.parseCSV(String(contentsOfFile: reference + "/gazetteer.csv", encoding: .utf8))
        let places = gazetteer.places.filter { $0.level == .commune || $0.level == .locality }.map(\.name)
        var generator = SyntheticReports(seed: seed, places: places.isEmpty ? ["Mopti"] : places)
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let reports = (0..<count).map { generator.next(id: "sim-\(runID)-\($0)") }
        let url = intake + "/v1/inbound/africastalking/sms?token=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? token)

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let started = ContinuousClock.now
        var results: [(status: Int, latency: Duration)] = []
        let progress = ProgressBar(total: count)
        do {
            try await withThrowingTaskGroup(of: (Int, Duration).self) { group in
                var inFlight = 0
                for (index, report) in reports.enumerated() {
                    // Pace: report i leaves at i / rate seconds.
                    let due = started + .milliseconds(Int(Double(index) / rate * 1000))
                    if due > .now { try await Task.sleep(until: due, clock: .continuous) }
                    if inFlight >= concurrency, let result = try await group.next() {
                        results.append(result)
                        inFlight -= 1
                        progress.update(results.count)
                    }
                    group.addTask { try await Self.post(report, to: url, client: client) }
                    inFlight += 1
                }
                for try await result in group {
                    results.append(result)
                    progress.update(results.count)
                }
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        progress.finish()

        let elapsed = ContinuousClock.now - started
        let latencies = results.map { Double($0.latency.components.attoseconds) / 1e15 + Double($0.latency.components.seconds) * 1000 }.sorted()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        let accepted = results.filter { (200..<300).contains($0.status) }.count
        let rejected = results.filter { (400..<500).contains($0.status) }.count
        let failed = results.count - accepted - rejected
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try emit(options.json, text: """
            sent \(results.count) in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", Double(results.count) / seconds))/s): \
            \(accepted) accepted, \(rejected) rejected (4xx), \(failed) failed (5xx or no answer); \
            latency p50 \(String(format: "%.1f", percentile(0.5))) ms, p99 \(String(format: "%.1f", percentile(0.99))) ms
            """, object: ["run_id": runID, "sent": results.count, "accepted": accepted, "rejected": rejected, "failed": failed,
                          "seconds": seconds, "p50_ms": percentile(0.5), "p99_ms": percentile(0.99)])
        if failed > 0 { throw ExitCode(1) }
    }

    static func post(_ report: SyntheticReports.Report, to url: String, client: HTTPClient) async throws -> (Int, Duration) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let fields = [("from", report.from), ("to", "20123"), ("text", report.text), ("date", report.date), ("id", report.id),
                      ("linkId", ""), ("networkCode", "61001")]
        request.body = .bytes(ByteBuffer(string: fields.map { "\($0.0)=\(formEncode($0.1))" }.joined(separator: "&")))
        let start = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), ContinuousClock.now - start)
        } catch {
            return (0, ContinuousClock.now - start)
        }
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}

/// Realistic report texts in French, English and transliterated Bambara, over real place names.
struct SyntheticReports {
    struct Report: Sendable {
        var id: String
        var from: String
        var text: String
        var date: String
    }

    private var state: UInt64
    let places: [String]
    private let formatter = ISO8601DateFormatter()

    init(seed: UInt64, places: [String]) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
        self.places = places
    }

    static let templates = [
        "Des hommes armés ont attaqué le marché de %@ cette nuit, aidez nous",
        "Vol de bétail à %@, les voleurs sont partis vers la brousse",
        "Les policiers du poste de %@ demandent de l'argent à chaque passage",
        "Conflit entre éleveurs et agriculteurs à %@, les champs sont détruits",
        "Une femme a été battue par son mari à %@, elle a peur de rentrer",
        "Thieves broke into the shop near the mosque in %@ last night",
        "Armed men on motorbikes seen near %@ right now",
        "sonyalikelaw ye misi ta %@ su fe",
        "Des inconnus transportent des armes en camion vers %@",
        "Dispute over farmland in %@ between two families, it is getting violent",
    ]

    mutating func random(_ bound: Int) -> Int {
        // SplitMix64: small, fast and reproducible.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    mutating func next(id: String) -> Report {
        let text = String(format: Self.templates[random(Self.templates.count)], places[random(places.count)])
        let from = "+22376" + String(format: "%06d", random(1_000_000))
        return Report(id: id, from: from, text: text, date: formatter.string(from: Date()))
    }
}

/// A one-line progress bar on standard error, drawn only when it is a terminal.
final class ProgressBar: Sendable {
    let total: Int
    let interactive = isatty(STDERR_FILENO) == 1

    init(total: Int) { self.total = total }

    func update(_ done: Int) {
        guard interactive, done % max(1, total / 100) == 0 || done == total else { return }
        let width = 40
        let filled = width * done / max(1, total)
        FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total)".utf8))
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
