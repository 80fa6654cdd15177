import AccountabilityService
import ArgumentParser
import Foundation
import HotlineDomain

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the case audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every case's hash chain and report the first broken link of each broken case.",
            discussion: "Exits 0 when every chain holds, 1 when any link is broken.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Check one case only, by reference code.") var code: String?

        func run() async throws {
            let report = try await withDatabase { client, logger in
                let verifier = AuditVerifier(postgres: client, logger: logger)
                guard let code else { return try await verifier.verifyAll() }
                guard let parsed = ReferenceCode(parsing: code),
                      let record = try await CaseRecords(postgres: client, logger: logger).record(of: parsed, scope: nil) else {
                    throw ValidationError("no case \(code)")
                }
                return try await verifier.verify(caseID: record.snapshot.caseID)
            }
            let text = report.breaks.isEmpty
                ? "audit trail intact: \(report.cases) cases, \(report.events) events"
                : (["BROKEN: \(report.breaks.count) of \(report.cases) cases"] + report.breaks.map { "  \($0)" }).joined(separator: "\n")
            try emit(options.json, text: text, object: [
                "cases": report.cases, "events": report.events, "intact": report.breaks.isEmpty,
                "breaks": report.breaks.map { ["case_id": $0.caseID.uuidString.lowercased(), "sequence": $0.sequence, "reason": $0.reason] },
            ])
            if !report.breaks.isEmpty { throw ExitCode(1) }
        }
    }
}

struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "case", abstract: "Look at cases.", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a case's full record: state, targets, history with hashes, hearings.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The case's reference code.") var code: String
        @Flag(help: "Print the HTML record instead of text.") var html = false

        func run() async throws {
            guard let parsed = ReferenceCode(parsing: code) else { throw ValidationError("\(code) is not a reference code") }
            let record = try await withDatabase { client, logger in
                try await CaseRecords(postgres: client, logger: logger).record(of: parsed, scope: nil)
            }
            guard let record else { throw ValidationError("no case \(code)") }
            if options.json {
                try emit(true, text: "", object: [
                    "reference_code": record.snapshot.referenceCode.value, "state": record.snapshot.state.rawValue,
                    "owner": record.snapshot.owner, "priority": record.snapshot.priority.rawValue,
                    "events": record.history.count, "audit_hash": record.headHash, "chain_intact": record.chainBreak == nil,
                ])
            } else {
                print(html ? CaseRecordRenderer.html(record) : CaseRecordRenderer.text(record), terminator: "")
            }
        }
    }
}
