import Foundation
import HotlineDomain
import HotlineReference

/// Turns decisions into notification requests. Ids derive from the case event that caused them,
/// so a retried transaction or a redelivered command asks for the very same SMS.
struct CaseMessages: Sendable {
    let directory: ResponderDirectory

    /// Requests for a recorded decision's effects. `reporter` is nil when the case has none (or PII was destroyed).
    func requests(for effects: [CaseEffect], snapshot: CaseSnapshot, cause: CaseEventRecorded,
                  reporter: ProtectedPhone?) -> [NotificationRequested] {
        let prefix = "\(snapshot.caseID.uuidString.lowercased()):\(cause.sequence)"
        let code = snapshot.referenceCode
        var requests: [NotificationRequested] = []
        for effect in effects {
            switch effect {
            case .tellReporter(let state):
                guard let reporter else { continue }
                requests.append(NotificationRequested(
                    notificationID: "\(prefix):reporter-update", recipient: reporter, audience: "reporter", template: "reporter.case_update",
                    parameters: ["reference_code": code.value, "state": state.rawValue], language: snapshot.reporterLanguage,
                    priority: .routine, caseID: snapshot.caseID, referenceCode: code))
            case .askReporterRating:
                guard let reporter else { continue }
                requests.append(NotificationRequested(
                    notificationID: "\(prefix):reporter-rating", recipient: reporter, audience: "reporter", template: "reporter.rating_request",
                    parameters: ["reference_code": code.value], language: snapshot.reporterLanguage, priority: .routine,
                    caseID: snapshot.caseID, referenceCode: code))
            case .alertTarget(let target, let reason):
                requests += alert(target: target, template: "member.\(reason)", snapshot: snapshot, idPrefix: "\(prefix):\(reason)")
            case .alertOversight(let reason):
                for body in directory.planner.oversight(for: snapshot.placeLineage) {
                    requests += alert(target: body.code, template: "member.oversight_\(reason)", snapshot: snapshot,
                                      idPrefix: "\(prefix):oversight-\(reason)")
                }
            }
        }
        return requests
    }

    /// An alert to a target's members: details only when the case is not restricted to someone else.
    func alert(target: String, template: String, snapshot: CaseSnapshot, idPrefix: String) -> [NotificationRequested] {
        let detailsAllowed = snapshot.restrictedTarget == nil || snapshot.restrictedTarget == target
        var parameters = ["reference_code": snapshot.referenceCode.value, "target": target, "owner": snapshot.owner,
                          "state": snapshot.state.rawValue]
        if detailsAllowed {
            parameters["category"] = snapshot.category.rawValue
            parameters["priority"] = snapshot.priority.rawValue
            parameters["place"] = directory.placeName(snapshot.placeCode) ?? "?"
        }
        return directory.alertRecipients(of: target).map { member in
            var alert = NotificationRequested(
                notificationID: "\(idPrefix):\(member.memberID)", recipient: member.contact, audience: "member",
                template: detailsAllowed ? template : "member.case_exists_update", parameters: parameters, language: member.language,
                priority: snapshot.priority == .urgent ? .urgent : .routine, caseID: snapshot.caseID, referenceCode: snapshot.referenceCode)
            directory.deadlines.hours.stamp(&alert, for: target)
            return alert
        }
    }

    /// A direct reply to whoever sent a command.
    static func reply(to recipient: ProtectedPhone, commandID: String, audience: String, template: String,
                      parameters: [String: String] = [:], language: String, caseID: UUID? = nil,
                      code: ReferenceCode? = nil) -> NotificationRequested {
        NotificationRequested(
            notificationID: "cmd:\(commandID):reply", recipient: recipient, audience: audience, template: template,
            parameters: parameters, language: language, priority: .routine, caseID: caseID, referenceCode: code)
    }
}
