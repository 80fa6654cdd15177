import Foundation
import HotlineDomain

/// A committee, college, oversight body, partner or the national coordination.
public struct Target: Sendable, Hashable, Codable {
    public var code: String
    public var type: TargetType
    public var specialty: String?
    public var name: String
    /// The gazetteer unit the target covers, with everything under it.
    public var jurisdiction: String
    public var languages: [String]
    /// `HH:MM-HH:MM` local time: routine alerts wait for these hours, and so does the clock of a
    /// non-urgent case's acknowledgement deadline. Nil: always reachable.
    public var activeHours: String?

    public var activeWindow: DailyWindow? { activeHours.flatMap(DailyWindow.init(parsing:)) }
}

public enum MemberRole: String, Sendable, Codable, CaseIterable {
    case chair
    case focalPoint = "focal_point"
    case onCall = "on_call"
    case member
}

/// A member as stored: the number only as pseudonym and ciphertext.
public struct Member: Sendable, Hashable, Codable {
    public var memberID: String
    public var targetCode: String
    public var role: MemberRole
    public var language: String
    public var contact: ProtectedPhone
}

/// A member as written in the members file, number in clear. Exists only inside `hotlinectl seed`.
public struct MemberRecord: Sendable {
    public var memberID: String
    public var targetCode: String
    public var role: MemberRole
    public var language: String
    public var phone: String
}

public enum TargetFiles {
    public static let targetsHeader = ["code", "type", "specialty", "name", "jurisdiction", "languages", "active_hours"]
    public static let membersHeader = ["member_id", "target", "role", "phone", "language"]
    public static let storedMembersHeader = ["member_id", "target", "role", "language", "pseudonym", "key_id", "ciphertext"]

    public static func parseTargets(_ text: String, file: String = "targets.csv", gazetteer: Gazetteer) throws -> [Target] {
        let csv = try CSVFile(text, file: file, header: targetsHeader)
        var seen = Set<String>()
        return try csv.rows.map { row in
            let f = row.fields
            guard !f[0].isEmpty, seen.insert(f[0]).inserted else {
                throw ReferenceDataError(file: file, line: row.line, message: "missing or duplicate target code \(f[0])")
            }
            guard let type = TargetType(rawValue: f[1]) else {
                throw ReferenceDataError(file: file, line: row.line, message: "unknown target type \(f[1])")
            }
            guard gazetteer.place(f[4]) != nil else {
                throw ReferenceDataError(file: file, line: row.line, message: "target \(f[0]) covers unknown place \(f[4])")
            }
            if !f[6].isEmpty, DailyWindow(parsing: f[6]).map({ $0.start == $0.end }) ?? true {
                throw ReferenceDataError(file: file, line: row.line,
                                         message: "active_hours must look like 08:00-18:00 (two different times of day), not \(f[6])")
            }
            return Target(code: f[0], type: type, specialty: f[2].isEmpty ? nil : f[2], name: f[3], jurisdiction: f[4],
                          languages: f[5].split(separator: "|").map(String.init), activeHours: f[6].isEmpty ? nil : f[6])
        }
    }

    public static func parseMemberRecords(_ text: String, file: String = "members.csv", targets: [Target]) throws -> [MemberRecord] {
        let csv = try CSVFile(text, file: file, header: membersHeader)
        let known = Set(targets.map(\.code))
        var seen = Set<String>()
        return try csv.rows.map { row in
            let f = row.fields
            guard !f[0].isEmpty, seen.insert(f[0]).inserted else {
                throw ReferenceDataError(file: file, line: row.line, message: "missing or duplicate member id \(f[0])")
            }
            guard known.contains(f[1]) else {
                throw ReferenceDataError(file: file, line: row.line, message: "member \(f[0]) belongs to unknown target \(f[1])")
            }
            guard let role = MemberRole(rawValue: f[2]) else {
                throw ReferenceDataError(file: file, line: row.line, message: "unknown member role \(f[2])")
            }
            guard !f[3].isEmpty else { throw ReferenceDataError(file: file, line: row.line, message: "member \(f[0]) has no phone") }
            return MemberRecord(memberID: f[0], targetCode: f[1], role: role, language: f[4].isEmpty ? "fr" : f[4], phone: f[3])
        }
    }

    public static func renderStoredMembers(_ members: [Member]) -> String {
        ([storedMembersHeader.joined(separator: ",")] + members.map {
            [$0.memberID, $0.targetCode, $0.role.rawValue, $0.language, $0.contact.pseudonym, $0.contact.sealed.keyID, $0.contact.sealed.ciphertext]
                .joined(separator: ",")
        }).joined(separator: "\n")
    }

    public static func parseStoredMembers(_ text: String) throws -> [Member] {
        try CSVFile(text, file: "members (stored)", header: storedMembersHeader).rows.map { row in
            let f = row.fields
            guard let role = MemberRole(rawValue: f[2]) else {
                throw ReferenceDataError(file: "members (stored)", line: row.line, message: "unknown role \(f[2])")
            }
            return Member(memberID: f[0], targetCode: f[1], role: role, language: f[3],
                          contact: ProtectedPhone(pseudonym: f[4], sealed: SealedPhone(keyID: f[5], ciphertext: f[6])))
        }
    }
}
