import HotlineDomain

/// One target line of a rule.
public struct RuleTarget: Sendable, Hashable {
    public enum Selector: Sendable, Hashable {
        case target(String)
        case nearest(TargetType, specialty: String?)
        case regionalOversight
        case national
    }

    public var selector: Selector
    public var role: TargetRole
    public var restricted: Bool
    public var fallback: String?
    public var reason: String
}

/// A rule: when (category, priority, jurisdiction) match, these targets act.
public struct RoutingRule: Sendable, Hashable {
    public var id: String
    public var category: IncidentCategory?
    public var priority: CasePriority?
    public var jurisdiction: String?
    public var targets: [RuleTarget]
    /// Position in the file, the last tie-breaker.
    public var ordinal: Int
    /// Depth of the jurisdiction in the gazetteer (0 when any).
    public var jurisdictionDepth: Int

    /// More constrained rules are tried first.
    public var specificity: (Int, Int) {
        ((category == nil ? 0 : 1) + (priority == nil ? 0 : 1) + (jurisdiction == nil ? 0 : 1), jurisdictionDepth)
    }
}

public enum RuleFiles {
    public static let header = ["rule", "category", "priority", "jurisdiction", "target", "role", "restricted", "fallback", "reason"]

    /// Parses and validates rules against the gazetteer and the targets. Sorted most specific first.
    public static func parse(_ text: String, file: String = "routing-rules.csv", gazetteer: Gazetteer, targets: [Target]) throws -> [RoutingRule] {
        let csv = try CSVFile(text, file: file, header: header)
        let knownTargets = Set(targets.map(\.code))
        var rules: [String: RoutingRule] = [:]
        var order: [String] = []
        for row in csv.rows {
            let f = row.fields
            func fail(_ message: String) -> ReferenceDataError { ReferenceDataError(file: file, line: row.line, message: message) }
            let category: IncidentCategory? = f[1] == "*" ? nil : try IncidentCategory(rawValue: f[1]).orThrow(fail("unknown category \(f[1])"))
            let priority: CasePriority? = f[2] == "*" ? nil : try CasePriority(rawValue: f[2]).orThrow(fail("unknown priority \(f[2])"))
            let jurisdiction: String? = f[3] == "*" ? nil : f[3]
            if let jurisdiction, gazetteer.place(jurisdiction) == nil { throw fail("rule \(f[0]) names unknown place \(jurisdiction)") }
            let selector: RuleTarget.Selector
            switch f[4] {
            case "committee@nearest": selector = .nearest(.committee, specialty: nil)
            case "college@nearest": selector = .nearest(.college, specialty: nil)
            case "oversight@region": selector = .regionalOversight
            case "national": selector = .national
            case let value where value.hasPrefix("partner:") && value.hasSuffix("@nearest"):
                selector = .nearest(.partner, specialty: String(value.dropFirst("partner:".count).dropLast("@nearest".count)))
            case let code where knownTargets.contains(code): selector = .target(code)
            default: throw fail("rule \(f[0]) points at unknown target \(f[4])")
            }
            let role = try TargetRole(rawValue: f[5]).orThrow(fail("unknown role \(f[5])"))
            guard f[6] == "yes" || f[6] == "no" else { throw fail("restricted must be yes or no") }
            if !f[7].isEmpty, !knownTargets.contains(f[7]) { throw fail("rule \(f[0]) falls back to unknown target \(f[7])") }
            let target = RuleTarget(selector: selector, role: role, restricted: f[6] == "yes", fallback: f[7].isEmpty ? nil : f[7], reason: f[8])
            if var existing = rules[f[0]] {
                guard existing.category == category, existing.priority == priority, existing.jurisdiction == jurisdiction else {
                    throw fail("rows of rule \(f[0]) disagree on category, priority or jurisdiction")
                }
                existing.targets.append(target)
                rules[f[0]] = existing
            } else {
                rules[f[0]] = RoutingRule(id: f[0], category: category, priority: priority, jurisdiction: jurisdiction, targets: [target],
                                          ordinal: order.count, jurisdictionDepth: jurisdiction.map { gazetteer.lineage(of: $0).count } ?? 0)
                order.append(f[0])
            }
        }
        guard rules.values.contains(where: { $0.category == nil && $0.priority == nil && $0.jurisdiction == nil }) else {
            throw ReferenceDataError(file: file, line: nil, message: "a catch-all rule (*,*,*) is required so no case is ever dropped")
        }
        return rules.values.sorted { lhs, rhs in
            if lhs.specificity != rhs.specificity { return lhs.specificity > rhs.specificity }
            return lhs.ordinal < rhs.ordinal
        }
    }
}

/// A classification term, normalised.
public struct KeywordEntry: Sendable, Hashable {
    public var category: String
    public var language: String
    public var tokens: [String]
    /// The last token matches as a stem (prefix).
    public var isStem: Bool
    public var weight: Double
}

public enum KeywordFiles {
    public static let header = ["category", "language", "term", "weight"]

    public static func parse(_ text: String, file: String = "keywords.csv") throws -> [KeywordEntry] {
        let csv = try CSVFile(text, file: file, header: header)
        let categories = Set(IncidentCategory.allCases.map(\.rawValue) + ["urgency"])
        return try csv.rows.map { row in
            let f = row.fields
            guard categories.contains(f[0]) else {
                throw ReferenceDataError(file: file, line: row.line, message: "unknown category \(f[0])")
            }
            guard let weight = Double(f[3]), weight > 0 else {
                throw ReferenceDataError(file: file, line: row.line, message: "weight must be a positive number")
            }
            let isStem = f[2].hasSuffix("*")
            let tokens = TextNormalizer.tokens(isStem ? String(f[2].dropLast()) : f[2])
            guard !tokens.isEmpty else { throw ReferenceDataError(file: file, line: row.line, message: "empty term") }
            return KeywordEntry(category: f[0], language: f[1], tokens: tokens, isStem: isStem, weight: weight)
        }
    }
}

extension Optional {
    func orThrow(_ error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
