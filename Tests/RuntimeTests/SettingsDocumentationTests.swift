import Foundation
import Testing

/// Operators configure the services from the README's table; a setting the code reads but the
/// table leaves out is a setting nobody can find.
@Suite("Settings documentation")
struct SettingsDocumentationTests {
    static let repository = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("every HOTLINE_ variable the services and hotlinectl read is in the README's table")
    func everySettingIsDocumented() throws {
        let readme = try String(contentsOf: Self.repository.appending(path: "README.md"), encoding: .utf8)
        var read: Set<String> = []
        for folder in ["Shared", "Services", "Tools"] {
            let files = FileManager.default.enumerator(at: Self.repository.appending(path: folder), includingPropertiesForKeys: nil)
            while let file = files?.nextObject() as? URL {
                guard file.pathExtension == "swift" else { continue }
                let source = try String(contentsOf: file, encoding: .utf8)
                for match in source.matches(of: /"(HOTLINE_[A-Z0-9_]+)"/) { read.insert(String(match.output.1)) }
            }
        }
        #expect(read.count > 30, "the scan found the settings (\(read.count))")
        // The first cell of each table row names one setting, or several joined by " / ".
        let documented = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
            .map { $0.split(separator: "|", omittingEmptySubsequences: true).first.map(String.init) ?? "" }
            .joined(separator: "\n")
        let undocumented = read.filter { !documented.contains("`\($0)`") }.sorted()
        #expect(undocumented.isEmpty, "read by the code, missing from the README's table: \(undocumented)")
    }
}
