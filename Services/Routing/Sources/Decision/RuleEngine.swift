import HotlineDomain
import HotlineReference

/// Applies the routing rules: the most specific matching rule decides, its selectors are
/// resolved along the case's place from the nearest unit up, and no case is left without a lead.
struct RuleEngine: Sendable {
    let rules: [RoutingRule]
    let targets: [String: Target]
    /// Targets by (type, jurisdiction), for walking a lineage.
    private let byJurisdiction: [String: [Target]]
    let gazetteer: Gazetteer

    init(rules: [RoutingRule], targets: [Target], gazetteer: Gazetteer) {
        self.rules = rules
        self.targets = Dictionary(uniqueKeysWithValues: targets.map { ($0.code, $0) })
        self.byJurisdiction = Dictionary(grouping: targets, by: { "\($0.type.rawValue)|\($0.jurisdiction)" })
            .mapValues { $0.sorted { $0.code < $1.code } }
        self.gazetteer = gazetteer
    }

    struct Decision: Sendable, Equatable {
        var rule: CaseRouted.MatchedRule
        var targets: [CaseRouted.RoutedTarget]
    }

    func decide(category: IncidentCategory, priority: CasePriority, lineage: [String]) -> Decision {
        let rule = rules.first { rule in
            (rule.category == nil || rule.category == category)
                && (rule.priority == nil || rule.priority == priority)
                && (rule.jurisdiction.map { lineage.contains($0) } ?? true)
        }
        guard let rule else { return triage(why: "no rule matched") }
        var routed: [CaseRouted.RoutedTarget] = []
        var notes: [String] = []
        for line in rule.targets {
            guard let target = resolve(line.selector, lineage: lineage) ?? line.fallback.flatMap({ targets[$0] }) else {
                notes.append("no \(describe(line.selector)) covers this place")
                continue
            }
            add(CaseRouted.RoutedTarget(code: target.code, type: target.type, role: line.role, restricted: line.restricted,
                                        level: gazetteer.place(target.jurisdiction)?.level.rawValue), to: &routed)
        }
        if !routed.contains(where: { $0.role == .lead }) {
            if let index = routed.firstIndex(where: { $0.role == .informed }) {
                routed[index].role = .lead
                notes.append("\(routed[index].code) leads in its place")
            } else if let national = nationalTarget() {
                add(CaseRouted.RoutedTarget(code: national.code, type: national.type, role: .lead, restricted: false, level: "country"), to: &routed)
                notes.append("national triage leads")
            }
        }
        let reason = rule.targets.first?.reason ?? ""
        let why = "rule \(rule.id) (category \(rule.category?.rawValue ?? "*"), priority \(rule.priority?.rawValue ?? "*"), "
            + "jurisdiction \(rule.jurisdiction ?? "*")) matched \(category.rawValue)/\(priority.rawValue) at \(lineage.last ?? "unknown place"): "
            + reason + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
        return Decision(rule: .init(id: rule.id, why: why), targets: routed)
    }

    private func resolve(_ selector: RuleTarget.Selector, lineage: [String]) -> Target? {
        switch selector {
        case .target(let code):
            return targets[code]
        case .nearest(let type, let specialty):
            for code in lineage.reversed() {
                if let found = byJurisdiction["\(type.rawValue)|\(code)"]?.first(where: { specialty == nil || $0.specialty == specialty }) {
                    return found
                }
            }
            return nil
        case .regionalOversight:
            guard let region = lineage.first(where: { gazetteer.place($0)?.level == .region }) else { return nil }
            return byJurisdiction["oversight|\(region)"]?.first
        case .national:
            return nationalTarget()
        }
    }

    private func nationalTarget() -> Target? {
        targets.values.filter { $0.type == .national }.min { $0.code < $1.code }
    }

    private func triage(why: String) -> Decision {
        let national = nationalTarget()
        return Decision(rule: .init(id: "national-triage", why: why), targets: national.map {
            [CaseRouted.RoutedTarget(code: $0.code, type: $0.type, role: .lead, restricted: false, level: "country")]
        } ?? [])
    }

    /// One entry per target, keeping the strongest role and any restriction.
    private func add(_ target: CaseRouted.RoutedTarget, to routed: inout [CaseRouted.RoutedTarget]) {
        let strength: [TargetRole: Int] = [.lead: 3, .oversight: 2, .informed: 1]
        if let index = routed.firstIndex(where: { $0.code == target.code }) {
            if strength[target.role]! > strength[routed[index].role]! { routed[index].role = target.role }
            routed[index].restricted = routed[index].restricted || target.restricted
        } else {
            routed.append(target)
        }
    }

    private func describe(_ selector: RuleTarget.Selector) -> String {
        switch selector {
        case .target(let code): code
        case .nearest(let type, let specialty): specialty.map { "\(type.rawValue) (\($0))" } ?? type.rawValue
        case .regionalOversight: "regional oversight committee"
        case .national: "national coordination"
        }
    }
}
