import Foundation

public enum PlaceLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case country, region, cercle, commune, locality

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: PlaceLevel, rhs: PlaceLevel) -> Bool { lhs.rank < rhs.rank }
}

/// One administrative unit or locality.
public struct Place: Sendable, Hashable, Codable {
    public var code: String
    public var parentCode: String?
    public var level: PlaceLevel
    public var name: String
    public var alternates: [String]

    public init(code: String, parentCode: String?, level: PlaceLevel, name: String, alternates: [String] = []) {
        self.code = code
        self.parentCode = parentCode
        self.level = level
        self.name = name
        self.alternates = alternates
    }
}

public struct ReferenceDataError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// The administrative hierarchy: country, region, cercle/department/province, commune, locality.
public struct Gazetteer: Sendable {
    public let places: [Place]
    private let byCode: [String: Place]
    private let childrenByParent: [String: [Place]]

    public init(places: [Place]) throws {
        var byCode: [String: Place] = [:]
        for place in places {
            guard byCode.updateValue(place, forKey: place.code) == nil else {
                throw ReferenceDataError(file: "gazetteer", line: nil, message: "duplicate code \(place.code)")
            }
        }
        for place in places {
            switch (place.level, place.parentCode) {
            case (.country, nil): continue
            case (.country, .some):
                throw ReferenceDataError(file: "gazetteer", line: nil, message: "country \(place.code) cannot have a parent")
            case (_, nil):
                throw ReferenceDataError(file: "gazetteer", line: nil, message: "\(place.code) needs a parent")
            case (_, .some(let parentCode)):
                guard let parent = byCode[parentCode] else {
                    throw ReferenceDataError(file: "gazetteer", line: nil, message: "\(place.code) names unknown parent \(parentCode)")
                }
                guard parent.level < place.level else {
                    throw ReferenceDataError(file: "gazetteer", line: nil,
                                             message: "\(place.code) (\(place.level.rawValue)) sits under \(parentCode) (\(parent.level.rawValue))")
                }
            }
        }
        self.places = places
        self.byCode = byCode
        self.childrenByParent = Dictionary(grouping: places.filter { $0.parentCode != nil }, by: { $0.parentCode! })
            .mapValues { $0.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending } }
    }

    public func place(_ code: String) -> Place? { byCode[code] }

    public func children(of code: String) -> [Place] { childrenByParent[code] ?? [] }

    /// The chain from the country down to `code`.
    public func lineage(of code: String) -> [Place] {
        var chain: [Place] = []
        var current = byCode[code]
        while let place = current {
            chain.insert(place, at: 0)
            current = place.parentCode.flatMap { byCode[$0] }
        }
        return chain
    }

    /// Communes and localities anywhere under `code`, for menus that skip the cercle level.
    public func communes(under code: String) -> [Place] {
        var result: [Place] = []
        var queue = children(of: code)
        while !queue.isEmpty {
            let place = queue.removeFirst()
            if place.level == .commune { result.append(place) } else { queue.append(contentsOf: children(of: place.code)) }
        }
        return result.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
    }

    /// Parses the seed CSV: `code,parent,level,name,alternates`; `#` lines are comments.
    public static func parseCSV(_ text: String, file: String = "gazetteer.csv") throws -> Gazetteer {
        var places: [Place] = []
        var sawHeader = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if !sawHeader {
                guard line == "code,parent,level,name,alternates" else {
                    throw ReferenceDataError(file: file, line: index + 1, message: "expected header code,parent,level,name,alternates")
                }
                sawHeader = true
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 5 else {
                throw ReferenceDataError(file: file, line: index + 1, message: "expected 5 fields, found \(fields.count)")
            }
            guard let level = PlaceLevel(rawValue: fields[2]) else {
                throw ReferenceDataError(file: file, line: index + 1, message: "unknown level \(fields[2])")
            }
            guard !fields[0].isEmpty, !fields[3].isEmpty else {
                throw ReferenceDataError(file: file, line: index + 1, message: "code and name are required")
            }
            places.append(Place(
                code: fields[0], parentCode: fields[1].isEmpty ? nil : fields[1], level: level, name: fields[3],
                alternates: fields[4].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
        }
        do {
            return try Gazetteer(places: places)
        } catch var error as ReferenceDataError {
            error.file = file
            throw error
        }
    }
}
