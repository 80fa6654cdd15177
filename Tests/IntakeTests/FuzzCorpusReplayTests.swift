import Foundation
import HotlineParserProperties
import HotlineTestSupport
import Testing

/// Replays the libFuzzer seed corpus (and any crash inputs saved beside it) in the test command,
/// then a short deterministic mutation run, so parser regressions fail here and not only in
/// `scripts/fuzz.sh`.
@Suite("Parser fuzz corpus replay")
struct FuzzCorpusReplayTests {
    typealias Property = @Sendable ([UInt8]) -> [String]

    static let targets: [(directory: String, property: Property)] = [
        ("sms", { ParserProperties.smsCommand($0) }),
        ("form", { ParserProperties.formDecoding($0) }),
        ("phone", { ParserProperties.phoneNormalisation($0) }),
    ]

    static func corpus(_ directory: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = TestEnvironment.repositoryRoot + "/Fuzzing/Corpus/" + directory
        return try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { name in
            (name, Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))))
        }
    }

    @Test("every seed and saved crash input holds the parser properties", arguments: ["sms", "form", "phone"])
    func replay(directory: String) throws {
        let property = try #require(Self.targets.first { $0.directory == directory }).property
        let inputs = try Self.corpus(directory)
        #expect(inputs.count >= 15, "the seed corpus is in the repository")
        for input in inputs {
            let violations = property(input.bytes)
            #expect(violations.isEmpty, "\(directory)/\(input.name): \(violations)")
        }
    }

    @Test("20,000 seeded mutations of the seeds hold the parser properties", arguments: ["sms", "form", "phone"])
    func mutations(directory: String) throws {
        let property = try #require(Self.targets.first { $0.directory == directory }).property
        let seeds = try Self.corpus(directory).map(\.bytes)
        var random = SeededGenerator(seed: 0xF022 &+ UInt64(directory.utf8.count))
        let interesting: [UInt8] = [0x00, 0x20, 0x25, 0x26, 0x2B, 0x3D, 0x2A, 0x30, 0x37, 0x41, 0x7F, 0x80, 0xC3, 0xA9, 0xE2, 0xED, 0xFF]
        for _ in 0..<20_000 {
            var input = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0...(random.next() % 4) {
                let position = input.isEmpty ? 0 : Int(random.next() % UInt64(input.count + 1))
                switch random.next() % 4 {
                case 0: input.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: position)
                case 1: if position < input.count { input.remove(at: position) }
                case 2: if position < input.count { input[position] = UInt8(truncatingIfNeeded: random.next()) }
                default: input.insert(contentsOf: seeds[Int(random.next() % UInt64(seeds.count))].prefix(8), at: position)
                }
            }
            let violations = property(input)
            #expect(violations.isEmpty, "\(directory) input \(input): \(violations)")
            if !violations.isEmpty { return }
        }
    }
}
