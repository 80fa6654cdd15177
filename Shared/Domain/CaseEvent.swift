import Foundation

/// Payload of `hotline.cases.events`, type `org.hotline.case.event.v1`: one link of a case's audit chain.
///
/// It is the warehouse's feed, so it carries codes and pseudonymous actor ids only: no phone
/// number, no reporter pseudonym and no free text (notes and reasons stay in accountability).
public struct CaseEventRecorded: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.case.event.v1"

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case routed
        case transition
        case note
        case referred
        case referralAccepted = "referral_accepted"
        case referralDeclined = "referral_declined"
        case escalated
        case deadlineBreached = "deadline_breached"
        case hearing
        case rated
    }

    public var eventID: UUID
    public var caseID: UUID
    public var referenceCode: ReferenceCode
    public var sequence: Int
    public var kind: Kind
    public var fromState: CaseState?
    public var toState: CaseState?
    /// Pseudonymous: a member id, `api:<key id>` or `system`.
    public var actorID: String
    public var actorRole: String
    /// `sms`, `api` or `system`.
    public var channel: String
    /// The target the event concerns (new owner after escalation or referral).
    public var target: String?
    public var escalationLevel: Int
    public var priority: CasePriority
    public var category: IncidentCategory
    public var placeCode: String?
    /// Only for `rated`.
    public var rating: Int?
    public var occurredAt: Date
    public var hash: String

    public init(eventID: UUID, caseID: UUID, referenceCode: ReferenceCode, sequence: Int, kind: Kind, fromState: CaseState?,
                toState: CaseState?, actorID: String, actorRole: String, channel: String, target: String?, escalationLevel: Int,
                priority: CasePriority, category: IncidentCategory, placeCode: String?, rating: Int?, occurredAt: Date, hash: String) {
        self.eventID = eventID
        self.caseID = caseID
        self.referenceCode = referenceCode
        self.sequence = sequence
        self.kind = kind
        self.fromState = fromState
        self.toState = toState
        self.actorID = actorID
        self.actorRole = actorRole
        self.channel = channel
        self.target = target
        self.escalationLevel = escalationLevel
        self.priority = priority
        self.category = category
        self.placeCode = placeCode
        self.rating = rating
        self.occurredAt = occurredAt
        self.hash = hash
    }
}

/// Payload of a perception survey answer on `hotline.cases.events`, type `org.hotline.survey.answered.v1`.
/// Stored and published by area and date only, never by person.
public struct SurveyAnswered: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.survey.answered.v1"

    public var answerID: UUID
    public var questionID: String
    public var areaCode: String
    public var answeredOn: String
    public var score: Int

    public init(answerID: UUID, questionID: String, areaCode: String, answeredOn: String, score: Int) {
        self.answerID = answerID
        self.questionID = questionID
        self.areaCode = areaCode
        self.answeredOn = answeredOn
        self.score = score
    }
}
