import Foundation
import HotlineDomain
import HotlineKafka
import HotlinePrivacy

/// A reproducible random source (SplitMix64), so a failing month can be replayed exactly.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A month of synthetic hotline activity with known milestones: the truth every view is checked against.
struct SyntheticMonth {
    struct Area {
        var code: String?
        var level: String?
        var name: String?
        var lineage: [String]
        var region: String?
        var committee: String
        var college: String?
    }

    struct Case {
        var caseID: UUID
        var referenceCode: ReferenceCode
        var reporter: ProtectedPhone
        var text: String
        var area: Area
        var category: IncidentCategory
        var priority: CasePriority
        var channel: ReportChannel
        var language: String
        var lead: String
        var leadType: TargetType
        var routedAt: Date
        var acknowledgedAt: Date?
        var resolvedAt: Date?
        var dismissedAt: Date?
        var breaches = 0
        var escalations = 0
        var ratings: [Int] = []
        var events: [CaseEventRecorded] = []
    }

    struct Notification {
        var notificationID: String
        var caseID: UUID?
        var audience: String
        var template: String
        var provider: String?
        var providerMessageID: String?
        var segments: Int?
        var queuedAt: Date
        /// What the warehouse must conclude: delivered, failed, sent or suppressed.
        var finalStatus: String
        var statuses: [NotificationStatusChanged] = []
        var reports: [DeliveryStatusReceived] = []
    }

    static let areas: [Area] = [
        Area(code: "ML-5-MOP-SEV", level: "commune", name: "Sévaré", lineage: ["ML", "ML-5", "ML-5-MOP", "ML-5-MOP-SEV"], region: "ML-5",
             committee: "CSC-ML-5-MOP-SEV", college: nil),
        Area(code: "ML-5-DJE", level: "cercle", name: "Djenné", lineage: ["ML", "ML-5", "ML-5-DJE"], region: "ML-5",
             committee: "CSC-ML-5-DJE", college: "COL-ML-5-DJE"),
        Area(code: "ML-7-GAO-GAO", level: "commune", name: "Gao", lineage: ["ML", "ML-7", "ML-7-GAO", "ML-7-GAO-GAO"], region: "ML-7",
             committee: "CSC-ML-7-GAO-GAO", college: "COL-ML-7-GAO"),
        Area(code: "ML-4-NIO", level: "cercle", name: "Niono", lineage: ["ML", "ML-4", "ML-4-NIO"], region: "ML-4",
             committee: "CSC-ML-4-NIO", college: "COL-ML-4-NIO"),
        Area(code: "ML-6-TBK-TBK", level: "commune", name: "Tombouctou", lineage: ["ML", "ML-6", "ML-6-TBK", "ML-6-TBK-TBK"], region: "ML-6",
             committee: "CSC-ML-6-TBK-TBK", college: "COL-ML-6-TBK"),
        Area(code: nil, level: nil, name: nil, lineage: [], region: nil, committee: "NAT-TRIAGE", college: nil),
    ]
    static let areaWeights = [40, 15, 15, 12, 12, 6]
    static let categories: [IncidentCategory] = [.theft, .armedAttack, .securityForcesMisconduct, .landDispute, .other]
    static let categoryWeights = [45, 15, 15, 15, 10]
    static let surveyAreas = ["ML-5", "ML-7", "ML-4-NIO"]

    let start: Date
    var cases: [Case] = []
    var notifications: [Notification] = []
    var surveys: [SurveyAnswered] = []

    init(seed: UInt64, caseCount: Int = 300, surveyCount: Int = 150, start: Date = Date(timeIntervalSince1970: 1_772_409_600)) {
        // 1_772_409_600 is Monday 2026-03-02 00:00 UTC: a month of five ISO weeks.
        self.start = start
        var random = SeededRandom(seed: seed)
        let protector = PIIProtector(keyring: .development)
        for index in 0..<caseCount {
            cases.append(Self.makeCase(index: index, start: start, protector: protector, random: &random))
        }
        for c in cases {
            notifications.append(Self.makeNotification(for: c, random: &random))
        }
        for _ in 0..<surveyCount {
            let day = start.addingTimeInterval(Double(Int.random(in: 0..<30, using: &random)) * 86_400)
            surveys.append(SurveyAnswered(
                answerID: UUID(), questionID: ["safety", "trust"].randomElement(using: &random)!,
                areaCode: Self.surveyAreas.randomElement(using: &random)!, answeredOn: Self.day(day),
                score: Int.random(in: 1...5, using: &random)))
        }
    }

    static func pick<T>(_ items: [T], _ weights: [Int], _ random: inout SeededRandom) -> T {
        var roll = Int.random(in: 0..<weights.reduce(0, +), using: &random)
        for (item, weight) in zip(items, weights) {
            if roll < weight { return item }
            roll -= weight
        }
        return items[items.count - 1]
    }

    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Monday 00:00 UTC of the ISO week holding `date`.
    static func weekStart(_ date: Date) -> String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return day(calendar.dateInterval(of: .weekOfYear, for: date)!.start)
    }

    static func makeCase(index: Int, start: Date, protector: PIIProtector, random: inout SeededRandom) -> Case {
        let hour = 3600.0
        let area = pick(areas, areaWeights, &random)
        let category = pick(categories, categoryWeights, &random)
        let lead: (String, TargetType) = if area.code == nil {
            ("NAT-TRIAGE", .national)
        } else if let college = area.college, category == .securityForcesMisconduct || category == .landDispute,
                  Int.random(in: 0..<10, using: &random) < 8 {
            (college, .college)
        } else {
            (area.committee, .committee)
        }
        // Whole milliseconds: the contract's timestamps carry no more.
        let routedAt = Date(timeIntervalSince1970: (start.timeIntervalSince1970 + Double(Int.random(in: 0..<(30 * 86_400_000), using: &random)) / 1000).rounded(.down))
        let number = "+22376\(100_000 + index)"
        var c = Case(
            caseID: UUID(), referenceCode: .random(), reporter: try! protector.protect(PhoneNumber.normalise(number, defaultCountryCode: "223")!),
            text: "synthetic report \(index) from \(number)", area: area, category: category,
            priority: [.normal, .high, .urgent].randomElement(using: &random)!,
            channel: [.sms, .ussd, .operatorDesk].randomElement(using: &random)!, language: ["fr", "bm", "ar"].randomElement(using: &random)!,
            lead: lead.0, leadType: lead.1, routedAt: routedAt)

        var sequence = 0
        func add(_ kind: CaseEventRecorded.Kind, at: Date, from: CaseState? = nil, to: CaseState? = nil, actor: String = "system",
                 target: String? = nil, level: Int = 0, rating: Int? = nil) {
            sequence += 1
            c.events.append(CaseEventRecorded(
                eventID: UUID(), caseID: c.caseID, referenceCode: c.referenceCode, sequence: sequence, kind: kind, fromState: from,
                toState: to, actorID: actor, actorRole: actor == "system" ? "system" : "chair", channel: actor.hasPrefix("api:") ? "api" : "sms",
                target: target, escalationLevel: level, priority: c.priority, category: c.category, placeCode: area.code, rating: rating,
                occurredAt: at, hash: String(repeating: "ab", count: 32)))
        }
        add(.routed, at: routedAt, to: .routed, target: c.lead)
        var now = routedAt
        var state = CaseState.routed
        let member = "M-\(index % 7)-01"
        if Int.random(in: 0..<5, using: &random) == 0 {
            // Silence: the deadline passes; most such cases are escalated.
            now += Double(Int.random(in: 2...48, using: &random)) * hour
            add(.deadlineBreached, at: now, target: c.lead, level: 0)
            c.breaches += 1
            if Int.random(in: 0..<10, using: &random) < 6 {
                add(.escalated, at: now, target: area.lineage.count > 1 ? "CSC-\(area.lineage[1])" : "NAT-TRIAGE", level: 1)
                c.escalations += 1
            }
        }
        if Int.random(in: 0..<20, using: &random) < 17 {
            now += Double(Int.random(in: 600...(30 * 3600), using: &random))
            if Int.random(in: 0..<10, using: &random) == 0 {
                add(.referred, at: now, from: state, to: .referred, actor: member, target: "OVS-ML-5")
                now += Double(Int.random(in: 600...20_000, using: &random))
                add(.referralAccepted, at: now, from: .referred, to: .acknowledged, actor: "M-OVS-01", target: "OVS-ML-5")
            } else {
                add(.transition, at: now, from: state, to: .acknowledged, actor: member)
            }
            c.acknowledgedAt = now
            state = .acknowledged
            if Int.random(in: 0..<4, using: &random) == 0 {
                add(.note, at: now + 60, actor: "api:k\(index % 3)")
            }
            if Int.random(in: 0..<2, using: &random) == 0 {
                now += Double(Int.random(in: 60...7200, using: &random))
                add(.transition, at: now, from: state, to: .inProgress, actor: member)
                state = .inProgress
            }
            let roll = Int.random(in: 0..<10, using: &random)
            if roll < 7 {
                now += Double(Int.random(in: 3600...(200 * 3600), using: &random))
                add(.transition, at: now, from: state, to: .resolved, actor: member)
                c.resolvedAt = now
                state = .resolved
                if Int.random(in: 0..<10, using: &random) < 6 {
                    let rating = Int.random(in: 1...5, using: &random)
                    now += 1800
                    add(.rated, at: now, actor: "reporter", rating: rating)
                    c.ratings.append(rating)
                }
                if Int.random(in: 0..<15, using: &random) == 0 {
                    // Reopened and resolved again: the first resolution stays the milestone.
                    now += 86_400
                    add(.transition, at: now, from: .resolved, to: .reopened, actor: "api:k1")
                    now += 7200
                    add(.transition, at: now, from: .reopened, to: .resolved, actor: member)
                }
            } else if roll == 7 {
                now += 3600
                add(.transition, at: now, from: state, to: .dismissed, actor: member)
                c.dismissedAt = now
            }
        } else if Int.random(in: 0..<3, using: &random) == 0 {
            now += 5400
            add(.transition, at: now, from: .routed, to: .dismissed, actor: "api:k2")
            c.dismissedAt = now
        }
        return c
    }

    static func makeNotification(for c: Case, random: inout SeededRandom) -> Notification {
        let id = "\(c.caseID.uuidString.lowercased()):reporter-ack"
        let queuedAt = c.routedAt.addingTimeInterval(1)
        let roll = Int.random(in: 0..<20, using: &random)
        func status(_ s: NotificationStatusChanged.Status, _ offset: Double, provider: String? = nil, messageID: String? = nil,
                    segments: Int? = nil, attempt: Int = 1) -> NotificationStatusChanged {
            NotificationStatusChanged(
                notificationID: id, caseID: c.caseID, referenceCode: c.referenceCode, template: "reporter.ack", audience: "reporter",
                language: c.language, priority: .routine, provider: provider, providerMessageID: messageID, status: s, reason: nil,
                attempt: attempt, encoding: segments.map { $0 > 1 ? "ucs2" : "gsm7" }, segments: segments, at: queuedAt.addingTimeInterval(offset))
        }
        if roll == 0 {
            var n = Notification(notificationID: id, caseID: c.caseID, audience: "reporter", template: "reporter.ack", provider: nil,
                                 providerMessageID: nil, segments: nil, queuedAt: queuedAt, finalStatus: "suppressed")
            n.statuses = [status(.suppressed, 0, attempt: 0)]
            return n
        }
        let segments = c.language == "ar" ? 2 : 1
        let messageID = "ATPid_\(UUID().uuidString.prefix(12))"
        var n = Notification(notificationID: id, caseID: c.caseID, audience: "reporter", template: "reporter.ack", provider: "africastalking",
                             providerMessageID: messageID, segments: segments, queuedAt: queuedAt, finalStatus: "sent")
        n.statuses = [status(.queued, 0, attempt: 0), status(.sent, 4, provider: "africastalking", messageID: messageID, segments: segments)]
        if roll < 14 {
            n.finalStatus = "delivered"
            n.reports = [DeliveryStatusReceived(provider: "africastalking", providerMessageID: messageID, providerStatus: "Success",
                                                status: "delivered", failureReason: nil, errorCode: nil, retryCount: 0, networkCode: "61201",
                                                receivedAt: queuedAt.addingTimeInterval(30))]
            if roll < 4 {
                n.statuses.append(status(.delivered, 31, provider: "africastalking", messageID: messageID, segments: segments))
            }
        } else if roll < 17 {
            n.finalStatus = "failed"
            n.reports = [DeliveryStatusReceived(provider: "africastalking", providerMessageID: messageID, providerStatus: "Failed",
                                                status: "failed", failureReason: "AbsentSubscriber", errorCode: nil, retryCount: 0,
                                                networkCode: nil, receivedAt: queuedAt.addingTimeInterval(60))]
        }
        return n
    }

    /// Every record as the topics would carry it, keyed as the producers key them.
    func records(source: String = "/test/synthetic") throws -> [KafkaConsumerMessage] {
        var records: [KafkaConsumerMessage] = []
        func add<P: Codable & Sendable>(_ topic: String, _ key: String, _ type: String, _ data: P) throws {
            let envelope = EventEnvelope(source: source, type: type, data: data)
            records.append(KafkaConsumerMessage(topic: topic, partition: 0, offset: Int64(records.count), key: Array(key.utf8),
                                                value: try EventCoding.encode(envelope), headers: []))
        }
        for c in cases {
            let routed = CaseRouted(
                caseID: c.caseID, reportID: ReportID(), referenceCode: c.referenceCode,
                categories: [.init(category: c.category, score: 2)], primaryCategory: c.category, priority: c.priority,
                place: .init(code: c.area.code, level: c.area.level, name: c.area.name, lineage: c.area.lineage, ambiguous: false),
                targets: [.init(code: c.lead, type: c.leadType, role: .lead, restricted: false, level: c.area.level),
                          .init(code: "OVS-ML-5", type: .oversight, role: .oversight, restricted: false, level: "region")],
                rule: .init(id: "synthetic", why: "synthetic month"), language: c.language, channel: c.channel,
                receivedAt: c.routedAt.addingTimeInterval(-2), routedAt: c.routedAt, reporter: c.reporter, text: c.text, textRestricted: false)
            try add(Topic.casesRouted, c.caseID.uuidString.lowercased(), CaseRouted.eventType, routed)
            for event in c.events {
                try add(Topic.caseEvents, c.caseID.uuidString.lowercased(), CaseEventRecorded.eventType, event)
            }
        }
        for answer in surveys {
            try add(Topic.caseEvents, answer.areaCode, SurveyAnswered.eventType, answer)
        }
        for n in notifications {
            for status in n.statuses {
                try add(Topic.notificationStatus, n.notificationID, NotificationStatusChanged.eventType, status)
            }
            for report in n.reports {
                try add(Topic.notificationStatus, report.providerMessageID, DeliveryStatusReceived.eventType, report)
            }
        }
        return records
    }
}
