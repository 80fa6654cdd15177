import Foundation
import HotlineDomain

/// The views' figures computed in Swift straight from the synthetic truth, without the warehouse.
struct ExpectedFigures {
    struct ResponseTimes: Equatable {
        var cases: Int, acknowledged: Int, resolved: Int
        var medianAck: Double?, p90Ack: Double?, medianResolve: Double?, p90Resolve: Double?
    }
    struct Deadlines: Equatable {
        var cases: Int, breachedCases: Int, escalatedCases: Int, breaches: Int, escalations: Int
        var breachRate: Double, escalationRate: Double
    }
    struct Complaints: Equatable { var complaints: Int, byCollege: Int, share: Double }
    struct Satisfaction: Equatable { var ratings: Int, mean: Double, satisfiedShare: Double }
    struct Perception: Equatable { var answers: Int, mean: Double, index: Double }
    struct SMS: Equatable { var notifications: Int, segments: Int, delivered: Int, failed: Int }

    /// "week|place|category" → cases.
    var casesWeekly: [String: Int] = [:]
    var responseTimes: [String: ResponseTimes] = [:]
    var deadlines: [String: Deadlines] = [:]
    /// Region code ("-" when unknown, "ALL" for every region) → figures.
    var complaints: [String: Complaints] = [:]
    var satisfaction: [String: Satisfaction] = [:]
    /// "week|area" → figures.
    var perception: [String: Perception] = [:]
    /// "week|audience|template|provider" → figures.
    var sms: [String: SMS] = [:]

    /// PostgreSQL's `percentile_cont`: linear interpolation between the two nearest ranks.
    static func percentileCont(_ fraction: Double, _ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let position = fraction * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    init(_ month: SyntheticMonth) {
        let hours = { (from: Date, to: Date) in to.timeIntervalSince(from) / 3600 }
        for c in month.cases {
            casesWeekly["\(SyntheticMonth.weekStart(c.routedAt))|\(c.area.code ?? "unknown")|\(c.category.rawValue)", default: 0] += 1
        }
        for (lead, group) in Dictionary(grouping: month.cases, by: \.lead) {
            let ack = group.compactMap { c in c.acknowledgedAt.map { hours(c.routedAt, $0) } }
            let resolve = group.compactMap { c in c.resolvedAt.map { hours(c.routedAt, $0) } }
            responseTimes[lead] = ResponseTimes(
                cases: group.count, acknowledged: ack.count, resolved: resolve.count,
                medianAck: Self.percentileCont(0.5, ack), p90Ack: Self.percentileCont(0.9, ack),
                medianResolve: Self.percentileCont(0.5, resolve), p90Resolve: Self.percentileCont(0.9, resolve))
            let breached = group.filter { $0.breaches > 0 }.count
            let escalated = group.filter { $0.escalations > 0 }.count
            deadlines[lead] = Deadlines(
                cases: group.count, breachedCases: breached, escalatedCases: escalated, breaches: group.map(\.breaches).reduce(0, +),
                escalations: group.map(\.escalations).reduce(0, +), breachRate: Double(breached) / Double(group.count),
                escalationRate: Double(escalated) / Double(group.count))
            let ratings = group.flatMap(\.ratings)
            if !ratings.isEmpty {
                satisfaction[lead] = Satisfaction(
                    ratings: ratings.count, mean: Double(ratings.reduce(0, +)) / Double(ratings.count),
                    satisfiedShare: Double(ratings.filter { $0 >= 4 }.count) / Double(ratings.count))
            }
        }
        let complaints = month.cases.filter { $0.category == .securityForcesMisconduct }
        for (region, group) in Dictionary(grouping: complaints, by: { $0.area.region ?? "-" }) {
            let byCollege = group.filter { $0.leadType == .college }.count
            self.complaints[region] = Complaints(complaints: group.count, byCollege: byCollege, share: Double(byCollege) / Double(group.count))
        }
        let byCollege = complaints.filter { $0.leadType == .college }.count
        self.complaints["ALL"] = Complaints(complaints: complaints.count, byCollege: byCollege,
                                            share: Double(byCollege) / Double(complaints.count))
        let dayFormatter = { (day: String) -> Date in
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = day.split(separator: "-").map { Int($0)! }
            return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
        }
        for (key, group) in Dictionary(grouping: month.surveys, by: { "\(SyntheticMonth.weekStart(dayFormatter($0.answeredOn)))|\($0.areaCode)" }) {
            let mean = Double(group.map(\.score).reduce(0, +)) / Double(group.count)
            perception[key] = Perception(answers: group.count, mean: mean, index: (mean - 1) * 25)
        }
        for n in month.notifications {
            let key = "\(SyntheticMonth.weekStart(n.queuedAt))|\(n.audience)|\(n.template)|\(n.provider ?? "none")"
            var figures = sms[key] ?? SMS(notifications: 0, segments: 0, delivered: 0, failed: 0)
            figures.notifications += 1
            figures.segments += n.segments ?? 0
            figures.delivered += n.finalStatus == "delivered" ? 1 : 0
            figures.failed += n.finalStatus == "failed" ? 1 : 0
            sms[key] = figures
        }
    }
}

func close(_ a: Double?, _ b: Double?, tolerance: Double = 1e-6) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (a?, b?): abs(a - b) <= tolerance * max(1, abs(b))
    default: false
    }
}
