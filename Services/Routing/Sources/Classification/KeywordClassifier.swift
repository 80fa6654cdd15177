import HotlineDomain
import HotlineReference

/// What the text says happened, with a score per category and the urgency it carries.
struct Classification: Sendable, Equatable {
    var scores: [IncidentCategory: Double]
    var primary: IncidentCategory
    var priority: CasePriority
    var urgencyHits: Int
}

/// Scores a report against the keyword dictionary: exact words, word stems, phrases, and one
/// typo of slack on longer words, all after accent and case folding.
struct KeywordClassifier: Sendable {
    private struct Term: Sendable {
        var category: String
        var tokens: [[Character]]
        var isStem: Bool
        var weight: Double
    }

    private let terms: [Term]
    /// Terms indexed by the first three characters of their first token.
    private let index: [String: [Int]]
    /// Terms whose first token is long enough to forgive a typo, by first letter.
    private let longTermsByInitial: [Character: [Int]]

    /// When scores tie, the category that is more dangerous to miss wins.
    static let tieOrder: [IncidentCategory] = [
        .genderBasedViolence, .armedAttack, .violentExtremism, .humanTrafficking, .securityForcesMisconduct,
        .traffickingWeaponsDrugs, .landDispute, .theft, .corruption, .other,
    ]
    static let grave: Set<IncidentCategory> = [.armedAttack, .violentExtremism, .humanTrafficking, .genderBasedViolence]

    init(entries: [KeywordEntry]) {
        var terms: [Term] = []
        var index: [String: [Int]] = [:]
        var long: [Character: [Int]] = [:]
        for entry in entries {
            let term = Term(category: entry.category, tokens: entry.tokens.map(Array.init), isStem: entry.isStem, weight: entry.weight)
            index[String(entry.tokens[0].prefix(3)), default: []].append(terms.count)
            if let initial = entry.tokens[0].first, entry.tokens[0].count >= 5 { long[initial, default: []].append(terms.count) }
            terms.append(term)
        }
        self.terms = terms
        self.index = index
        self.longTermsByInitial = long
    }

    func classify(_ text: String, hint: IncidentCategory? = nil) -> Classification {
        classify(tokens: TextNormalizer.tokens(text), hint: hint)
    }

    /// The same, on text already split by `TextNormalizer.tokens`.
    func classify(tokens words: [String], hint: IncidentCategory? = nil) -> Classification {
        let tokens = words.map(Array.init)
        var matched = Set<Int>()
        for position in tokens.indices {
            let key = String(tokens[position].prefix(3))
            var explained = false
            for candidate in index[key] ?? [] where matches(terms[candidate], tokens, at: position, fuzzy: false) {
                matched.insert(candidate)
                explained = true
            }
            // A word some term already explains exactly is not also read as a typo of another
            // ("volé" is theft, not a misspelt "violé").
            guard !explained else { continue }
            for candidate in fuzzyCandidates(tokens[position]) where !matched.contains(candidate) {
                if matches(terms[candidate], tokens, at: position, fuzzy: true) { matched.insert(candidate) }
            }
        }
        var scores: [IncidentCategory: Double] = [:]
        var urgency = 0
        for termIndex in matched {
            let term = terms[termIndex]
            if term.category == "urgency" {
                urgency += 1
            } else if let category = IncidentCategory(rawValue: term.category) {
                scores[category, default: 0] += term.weight
            }
        }
        if let hint { scores[hint, default: 0] += 5 }
        let best = scores.values.max() ?? 0
        let primary = best > 0 ? Self.tieOrder.first { scores[$0] == best } ?? .other : .other
        if scores.isEmpty { scores[.other] = 0 }
        return Classification(scores: scores, primary: primary, priority: Self.priority(primary, urgency: urgency), urgencyHits: urgency)
    }

    /// Urgent: a grave incident in progress. High: a grave incident, or any report pleading urgency.
    static func priority(_ category: IncidentCategory, urgency: Int) -> CasePriority {
        if grave.contains(category) { return urgency > 0 ? .urgent : .high }
        if urgency > 0 || category == .securityForcesMisconduct { return .high }
        return .normal
    }

    /// A typo past the first letter still finds the term: long words are also tried against
    /// every long term with the same initial.
    private func fuzzyCandidates(_ token: [Character]) -> [Int] {
        guard token.count >= 4, let initial = token.first else { return [] }
        return longTermsByInitial[initial] ?? []
    }

    private func matches(_ term: Term, _ tokens: [[Character]], at position: Int, fuzzy: Bool) -> Bool {
        guard position + term.tokens.count <= tokens.count else { return false }
        for (offset, expected) in term.tokens.enumerated() {
            let isLast = offset == term.tokens.count - 1
            if !Self.tokenMatches(tokens[position + offset], expected, stem: isLast && term.isStem, fuzzy: fuzzy) { return false }
        }
        return true
    }

    static func tokenMatches(_ token: [Character], _ expected: [Character], stem: Bool, fuzzy: Bool) -> Bool {
        if stem {
            if token.starts(with: expected) { return true }
            guard fuzzy, expected.count >= 6 else { return false }
            for length in [expected.count - 1, expected.count, expected.count + 1] where length <= token.count {
                if EditDistance.within(Array(token.prefix(length)), expected, limit: 1) { return true }
            }
            return false
        }
        if token == expected { return true }
        return fuzzy && expected.count >= 6 && EditDistance.within(token, expected, limit: 1)
    }
}
