import Foundation
import HotlineDomain
import HotlineReference

/// Turns one received report into a routed case and the notifications it calls for. Pure: no I/O.
struct ReportRouter: Sendable {
    let classifier: KeywordClassifier
    let places: PlaceResolver
    let rules: RuleEngine
    let membersByTarget: [String: [Member]]
    let hours: TargetHours

    init(reference: ReferenceSet, country: String, timeZone: TimeZone = TargetHours.defaultTimeZone) {
        self.classifier = KeywordClassifier(entries: reference.keywords)
        self.places = PlaceResolver(gazetteer: reference.gazetteer, country: country)
        self.rules = RuleEngine(rules: reference.rules, targets: reference.targets, gazetteer: reference.gazetteer)
        self.membersByTarget = Dictionary(grouping: reference.members, by: \.targetCode)
        self.hours = TargetHours(targets: reference.targets, timeZone: timeZone)
    }

    struct Outcome: Sendable {
        var routed: CaseRouted
        var notifications: [NotificationRequested]
        var classification: Classification
    }

    func route(_ report: ReportReceived, caseID: UUID, routedAt: Date) -> Outcome {
        // Normalised and split once, for the classifier and the place search alike.
        let tokens = TextNormalizer.tokens(report.text)
        let classification = classifier.classify(tokens: tokens, hint: report.categoryHint.flatMap(IncidentCategory.init(rawValue:)))
        let place = places.resolve(textTokens: tokens, hint: report.locationHint, placeCode: report.placeCode)
        let decision = rules.decide(category: classification.primary, priority: classification.priority, lineage: place.lineage)
        let restricted = decision.targets.contains { $0.restricted }
        let routed = CaseRouted(
            caseID: caseID, reportID: report.reportID, referenceCode: report.referenceCode,
            categories: classification.scores.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key.rawValue < $1.key.rawValue) }
                .map { .init(category: $0.key, score: $0.value) },
            primaryCategory: classification.primary, priority: classification.priority, place: place, targets: decision.targets,
            rule: decision.rule, language: report.language, channel: report.channel, receivedAt: report.receivedAt, routedAt: routedAt,
            reporter: report.reporter, text: restricted ? nil : report.text, textRestricted: restricted)
        return Outcome(routed: routed, notifications: notifications(for: routed, placeName: place.name), classification: classification)
    }

    /// The reporter's acknowledgement (and a question for the commune when the place is vague),
    /// and alerts to the members who must act. Ids are derived from the case, so a redelivered
    /// report requests the very same notifications.
    func notifications(for routed: CaseRouted, placeName: String?) -> [NotificationRequested] {
        var requests: [NotificationRequested] = []
        let code = routed.referenceCode
        if let reporter = routed.reporter {
            requests.append(NotificationRequested(
                notificationID: "\(routed.caseID.uuidString.lowercased()):reporter-ack", recipient: reporter, audience: "reporter",
                template: "reporter.acknowledgement", parameters: ["reference_code": code.value], language: routed.language,
                // Urgent: the reporter has the phone in hand now, needs the code to follow up, and
                // must not wait behind a backlog of routine alerts (nor for quiet hours to end).
                priority: .urgent, caseID: routed.caseID, referenceCode: code))
            if routed.place.ambiguous || routed.place.level != PlaceLevel.commune.rawValue {
                requests.append(NotificationRequested(
                    notificationID: "\(routed.caseID.uuidString.lowercased()):reporter-ask-commune", recipient: reporter, audience: "reporter",
                    template: "reporter.ask_commune", parameters: ["reference_code": code.value], language: routed.language,
                    priority: .routine, caseID: routed.caseID, referenceCode: code))
            }
        }
        let urgent = routed.priority == .urgent
        for target in routed.targets {
            let members = membersByTarget[target.code] ?? []
            let recipients = members.filter { member in
                switch target.role {
                case .lead: return true
                case .informed, .oversight: return member.role == .chair || member.role == .focalPoint || (urgent && member.role == .onCall)
                }
            }
            // A committee merely informed of a restricted case learns only that it exists.
            let detailsAllowed = !routed.textRestricted || target.restricted
            for member in recipients {
                var parameters = ["reference_code": code.value, "role": target.role.rawValue, "target": target.code]
                if detailsAllowed {
                    parameters["category"] = routed.primaryCategory.rawValue
                    parameters["place"] = placeName ?? "?"
                    parameters["priority"] = routed.priority.rawValue
                }
                var alert = NotificationRequested(
                    notificationID: "\(routed.caseID.uuidString.lowercased()):alert:\(member.memberID)", recipient: member.contact,
                    audience: "member", template: detailsAllowed ? "member.case_alert" : "member.case_exists", parameters: parameters,
                    language: member.language, priority: urgent ? .urgent : .routine, caseID: routed.caseID, referenceCode: code)
                hours.stamp(&alert, for: target.code)
                requests.append(alert)
            }
        }
        return requests
    }
}
