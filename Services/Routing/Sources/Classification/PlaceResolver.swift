import HotlineDomain
import HotlineReference

/// Finds where a report happened: names and alternate spellings from the gazetteer, matched
/// without accents or case and with a typo's slack, in the location hint first, then the text.
struct PlaceResolver: Sendable {
    private struct Name: Sendable {
        var tokens: [[Character]]
        var place: Place
    }

    /// Place names that are also everyday words ("dire", "est", "koro"): matched in the text only
    /// right after a word that introduces a place, and anywhere in a location hint.
    static let everydayWords: Set<String> = [
        "est", "nord", "centre", "sud", "ouest", "sahel", "san", "dire", "koro", "bla", "ber", "kaya", "manga", "bamba",
        "boni", "lere", "tera", "tonka", "fada", "bobo", "ouaga", "sangha",
    ]
    static let placeMarkers: Set<String> = [
        "a", "de", "du", "d", "au", "aux", "in", "at", "near", "pres", "vers", "from", "village", "commune", "cercle", "region",
        "ville", "marche", "quartier", "route", "to", "fi", "ka", "da", "a", "cikin", "garin",
    ]

    /// Words after a place that mark it as one: Bambara postpositions, "market".
    static let followingMarkers: Set<String> = ["la", "na", "kono", "sugu", "market", "marche"]

    private let gazetteer: Gazetteer
    private let country: String
    private let names: [String: [Name]]
    /// The same names grouped by the first character of their first token, for the typo search:
    /// built once here rather than filtering the whole dictionary for every long word of every report.
    /// The key as characters gives its length, to skip names no typo could reach (more than 2
    /// apart), and its edit distance to a word, computed once for every name under it.
    private let namesByInitial: [Character: [(key: String, characters: [Character], names: [Name])]]

    init(gazetteer: Gazetteer, country: String) {
        self.gazetteer = gazetteer
        self.country = country
        var names: [String: [Name]] = [:]
        for place in gazetteer.places where place.level != .country {
            for spelling in [place.name] + place.alternates {
                var tokens = TextNormalizer.tokens(spelling)
                // "Cercle de Mopti" is also found as "cercle mopti".
                if tokens.first == "cercle", tokens.count > 2, tokens[1] == "de" { tokens.remove(at: 1) }
                guard let first = tokens.first else { continue }
                names[first, default: []].append(Name(tokens: tokens.map(Array.init), place: place))
            }
        }
        self.names = names
        var byInitial: [Character: [(key: String, characters: [Character], names: [Name])]] = [:]
        for (key, entries) in names {
            if let initial = key.first { byInitial[initial, default: []].append((key, Array(key), entries)) }
        }
        self.namesByInitial = byInitial
    }

    func resolve(text: String, hint: String?, placeCode: String?) -> CaseRouted.ResolvedPlace {
        resolve(textTokens: TextNormalizer.tokens(text), hint: hint, placeCode: placeCode)
    }

    /// The same, on the report text already split by `TextNormalizer.tokens`.
    func resolve(textTokens: [String], hint: String?, placeCode: String?) -> CaseRouted.ResolvedPlace {
        if let placeCode, let place = gazetteer.place(placeCode) { return resolved([place], ambiguous: false) }
        if let hint, !hint.isEmpty {
            let found = candidates(in: TextNormalizer.tokens(hint), strictEverydayWords: false)
            if !found.isEmpty { return choose(found) }
        }
        let found = candidates(in: textTokens, strictEverydayWords: true)
        guard !found.isEmpty else {
            return CaseRouted.ResolvedPlace(code: nil, level: nil, name: nil, lineage: [country], ambiguous: false)
        }
        return choose(found)
    }

    private func candidates(in tokens: [String], strictEverydayWords: Bool) -> [Place] {
        let characters = tokens.map(Array.init)
        var found: [Place] = []
        for position in tokens.indices {
            let exact = names[tokens[position]] ?? []
            var fuzzy: [Name] = []
            let length = characters[position].count
            if length >= 5, let initial = tokens[position].first {
                // `matches` allows at most 2 edits, so a first word more than 2 characters longer or
                // shorter can never match: skipping it changes no result. Every name under a key
                // starts with that key, so the key's edit distance, checked once here as `matches`
                // would check it, decides for all of them.
                for entry in namesByInitial[initial] ?? [] where abs(entry.characters.count - length) <= 2 && entry.key != tokens[position] {
                    let limit = Self.editLimit(forWordOf: entry.characters.count)
                    guard limit > 0, EditDistance.within(characters[position], entry.characters, limit: limit) else { continue }
                    fuzzy += entry.names
                }
            }
            for name in exact + fuzzy where matches(name, characters, at: position) {
                if strictEverydayWords, name.tokens.count == 1, Self.everydayWords.contains(tokens[position]) {
                    let before = position > 0 && Self.placeMarkers.contains(tokens[position - 1])
                    let after = position + 1 < tokens.count && Self.followingMarkers.contains(tokens[position + 1])
                    guard before || after else { continue }
                }
                var place = name.place
                // "région de Mopti" means the region even though a commune has the same name.
                if position >= 2, ["region", "cercle"].contains(tokens[position - 2]) || (position >= 1 && ["region", "cercle"].contains(tokens[position - 1])) {
                    let level: PlaceLevel = tokens[max(0, position - 2)...position].contains("region") ? .region : .cercle
                    if let ancestor = gazetteer.lineage(of: place.code).last(where: { $0.level == level }) { place = ancestor }
                }
                found.append(place)
            }
        }
        return found
    }

    private func matches(_ name: Name, _ tokens: [[Character]], at position: Int) -> Bool {
        guard position + name.tokens.count <= tokens.count else { return false }
        for (offset, expected) in name.tokens.enumerated() {
            let token = tokens[position + offset]
            if token == expected { continue }
            let limit = Self.editLimit(forWordOf: expected.count)
            guard limit > 0, EditDistance.within(token, expected, limit: limit) else { return false }
        }
        return true
    }

    /// Typos allowed in a name's word of `length` characters: none below 6, one below 10, else two.
    private static func editLimit(forWordOf length: Int) -> Int {
        length >= 10 ? 2 : (length >= 6 ? 1 : 0)
    }

    /// One lineage: its deepest place. Several: their deepest common unit, marked ambiguous.
    private func choose(_ found: [Place]) -> CaseRouted.ResolvedPlace {
        var unique: [Place] = []
        for place in found where !unique.contains(place) { unique.append(place) }
        // Prefer the deployment's country when a name exists in several.
        let local = unique.filter { gazetteer.lineage(of: $0.code).first?.code == country }
        let pool = local.isEmpty ? unique : local
        let lineages = pool.map { gazetteer.lineage(of: $0.code).map(\.code) }
        // Drop places that are ancestors of another candidate: "Douentza … Boni" is Boni.
        let deepest = pool.enumerated().filter { index, place in
            !lineages.enumerated().contains { other, lineage in other != index && lineage.dropLast().contains(place.code) }
        }.map(\.element)
        let distinct = deepest.reduce(into: [Place]()) { result, place in
            if !result.contains(where: { $0.code == place.code }) { result.append(place) }
        }
        if distinct.count == 1 { return resolved(distinct, ambiguous: false) }
        // Same place named at several levels with one name (Gao region, cercle, commune) resolves down.
        let common = lineages.dropFirst().reduce(lineages.first ?? []) { common, lineage in
            Array(zip(common, lineage).prefix { $0 == $1 }.map(\.0))
        }
        guard let code = common.last, let place = gazetteer.place(code) else {
            return CaseRouted.ResolvedPlace(code: nil, level: nil, name: nil, lineage: [country], ambiguous: true)
        }
        return resolved([place], ambiguous: true)
    }

    private func resolved(_ places: [Place], ambiguous: Bool) -> CaseRouted.ResolvedPlace {
        let place = places[0]
        return CaseRouted.ResolvedPlace(
            code: place.code, level: place.level.rawValue, name: place.name,
            lineage: gazetteer.lineage(of: place.code).map(\.code), ambiguous: ambiguous)
    }
}
