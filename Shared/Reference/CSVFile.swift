/// The small CSV dialect of the reference files: `#` comments, a `# version: X` line, a fixed
/// header, no quoting. The last column may contain commas (it is free text).
public struct CSVFile: Sendable {
    public struct Row: Sendable {
        public var line: Int
        public var fields: [String]
    }

    public let file: String
    public let version: String
    public let rows: [Row]

    public init(_ text: String, file: String, header: [String]) throws {
        var rows: [Row] = []
        var version = "unversioned"
        var sawHeader = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("# version:") {
                version = line.dropFirst("# version:".count).trimmingCharacters(in: .whitespaces)
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.count > header.count {
                fields = Array(fields.prefix(header.count - 1)) + [fields.dropFirst(header.count - 1).joined(separator: ",")]
            }
            if !sawHeader {
                guard fields == header else {
                    throw ReferenceDataError(file: file, line: index + 1, message: "expected header \(header.joined(separator: ","))")
                }
                sawHeader = true
                continue
            }
            guard fields.count == header.count else {
                throw ReferenceDataError(file: file, line: index + 1, message: "expected \(header.count) fields, found \(fields.count)")
            }
            rows.append(Row(line: index + 1, fields: fields))
        }
        guard sawHeader else { throw ReferenceDataError(file: file, line: nil, message: "no header line") }
        self.file = file
        self.version = version
        self.rows = rows
    }
}

import Foundation
