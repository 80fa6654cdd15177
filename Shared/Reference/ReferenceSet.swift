import Foundation
import HotlineDomain
import HotlinePrivacy
import Logging
import PostgresNIO

/// Every reference dataset, validated together so cross-references hold.
public struct ReferenceSet: Sendable {
    public var gazetteer: Gazetteer
    public var gazetteerVersion: String
    public var targets: [Target]
    public var members: [Member]
    public var rules: [RoutingRule]
    public var keywords: [KeywordEntry]
    /// Validated texts as stored, by dataset name.
    public var sources: [String: (version: String, text: String)]
    /// The SMS templates (`templates.csv`); the notification service reads them as stored.
    public var templates: MessageTemplates?

    /// Reads and validates the files of a `reference/` folder; members' numbers are sealed here.
    public static func load(
        directory: String, protector: PIIProtector, defaultCountryCode: String, defaultLanguage: String = "fr"
    ) throws -> ReferenceSet {
        func read(_ name: String) throws -> String {
            do {
                return try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            } catch {
                throw ReferenceDataError(file: name, line: nil, message: "cannot read: \(error.localizedDescription)")
            }
        }
        let gazetteerText = try read("gazetteer.csv")
        let gazetteer = try Gazetteer.parseCSV(gazetteerText, file: "gazetteer.csv")
        let targetsText = try read("targets.csv")
        let targets = try TargetFiles.parseTargets(targetsText, gazetteer: gazetteer)
        let records = try TargetFiles.parseMemberRecords(try read("members.csv"), targets: targets)
        let members = try records.map { record in
            guard let phone = PhoneNumber.normalise(record.phone, defaultCountryCode: defaultCountryCode) else {
                throw ReferenceDataError(file: "members.csv", line: nil, message: "member \(record.memberID) has an unreadable number")
            }
            return Member(memberID: record.memberID, targetCode: record.targetCode, role: record.role, language: record.language,
                          contact: try protector.protect(phone))
        }
        let rulesText = try read("routing-rules.csv")
        let rules = try RuleFiles.parse(rulesText, gazetteer: gazetteer, targets: targets)
        let keywordsText = try read("keywords.csv")
        let keywords = try KeywordFiles.parse(keywordsText)
        let templatesText = try read(MessageTemplates.fileName)
        let templates = try MessageTemplates.parse(templatesText, defaultLanguage: defaultLanguage)
        func version(_ text: String, _ file: String) throws -> String {
            try CSVFile(text, file: file, header: CSVFile.headerLine(of: text)).version
        }
        return ReferenceSet(
            gazetteer: gazetteer, gazetteerVersion: try version(gazetteerText, "gazetteer.csv"), targets: targets, members: members,
            rules: rules, keywords: keywords,
            sources: [
                "targets": (try version(targetsText, "targets.csv"), targetsText),
                "members": ("sealed", TargetFiles.renderStoredMembers(members)),
                "routing-rules": (try version(rulesText, "routing-rules.csv"), rulesText),
                "keywords": (try version(keywordsText, "keywords.csv"), keywordsText),
                "templates": (templates.version, templatesText),
            ],
            templates: templates)
    }

    /// Rebuilds the set from what `hotlinectl seed` stored.
    public static func parseStored(gazetteer: Gazetteer, datasets: [String: String]) throws -> ReferenceSet {
        func dataset(_ name: String) throws -> String {
            guard let text = datasets[name] else {
                throw ReferenceDataError(file: name, line: nil, message: "not loaded; run hotlinectl seed")
            }
            return text
        }
        let targets = try TargetFiles.parseTargets(try dataset("targets"), file: "targets", gazetteer: gazetteer)
        return ReferenceSet(
            gazetteer: gazetteer, gazetteerVersion: "stored", targets: targets,
            members: try TargetFiles.parseStoredMembers(try dataset("members")),
            rules: try RuleFiles.parse(try dataset("routing-rules"), file: "routing-rules", gazetteer: gazetteer, targets: targets),
            keywords: try KeywordFiles.parse(try dataset("keywords"), file: "keywords"), sources: [:], templates: nil)
    }
}

extension CSVFile {
    /// The first non-comment line, split, for files whose header is checked elsewhere.
    static func headerLine(of text: String) -> [String] {
        let line = text.split(separator: "\n").first { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        return line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

extension ReferenceStore {
    /// Replaces every dataset in one transaction: nothing is half-loaded.
    public func replaceAll(_ set: ReferenceSet, logger: Logger) async throws {
        try await postgres.inTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('hotline.reference.gazetteer'))", logger: logger)
            try await connection.query("DELETE FROM reference.places", logger: logger)
            for place in set.gazetteer.places {
                try await connection.query("""
                    INSERT INTO reference.places (code, parent_code, level, name, alternates)
                    VALUES (\(place.code), \(place.parentCode), \(place.level.rawValue), \(place.name), \(place.alternates))
                    """, logger: logger)
            }
            try await connection.query("""
                INSERT INTO reference.versions (dataset, version) VALUES ('gazetteer', \(set.gazetteerVersion))
                ON CONFLICT (dataset) DO UPDATE SET version = EXCLUDED.version, loaded_at = now()
                """, logger: logger)
            for (name, source) in set.sources {
                try await connection.query("""
                    INSERT INTO reference.datasets (name, version, content) VALUES (\(name), \(source.version), \(source.text))
                    ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, content = EXCLUDED.content, loaded_at = now()
                    """, logger: logger)
                try await connection.query("""
                    INSERT INTO reference.versions (dataset, version) VALUES (\(name), \(source.version))
                    ON CONFLICT (dataset) DO UPDATE SET version = EXCLUDED.version, loaded_at = now()
                    """, logger: logger)
            }
        }
    }

    /// Everything routing needs, as stored; throws when `hotlinectl seed` has not run.
    public func loadReferenceSet(logger: Logger) async throws -> ReferenceSet {
        let gazetteer = try await loadGazetteer(logger: logger)
        var datasets: [String: String] = [:]
        for try await (name, content) in try await postgres.query("SELECT name, content FROM reference.datasets", logger: logger)
            .decode((String, String).self) {
            datasets[name] = content
        }
        return try ReferenceSet.parseStored(gazetteer: gazetteer, datasets: datasets)
    }
}
