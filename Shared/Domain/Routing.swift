import Foundation

/// What happened. Raw values are the contract in events, reference files and the warehouse.
public enum IncidentCategory: String, Codable, Sendable, CaseIterable {
    case theft
    case armedAttack = "armed_attack"
    case traffickingWeaponsDrugs = "trafficking_weapons_drugs"
    case humanTrafficking = "human_trafficking"
    case securityForcesMisconduct = "security_forces_misconduct"
    case landDispute = "land_dispute"
    case genderBasedViolence = "gender_based_violence"
    case violentExtremism = "violent_extremism"
    case corruption
    case other
}

public enum CasePriority: String, Codable, Sendable, CaseIterable, Comparable {
    case normal, high, urgent

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: CasePriority, rhs: CasePriority) -> Bool { lhs.rank < rhs.rank }
}

public enum TargetRole: String, Codable, Sendable, CaseIterable {
    case lead, informed, oversight
}

public enum TargetType: String, Codable, Sendable, CaseIterable {
    case committee, college, oversight, partner, national
}

/// Payload of `hotline.cases.routed`, type `org.hotline.case.routed.v1`.
///
/// It carries the reporter only as a pseudonym and sealed number, and the free text only when
/// every target may read it: a GBV case's text stays in routing's restricted store.
public struct CaseRouted: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.case.routed.v1"

    public struct CategoryScore: Codable, Sendable, Equatable {
        public var category: IncidentCategory
        public var score: Double
        public init(category: IncidentCategory, score: Double) {
            self.category = category
            self.score = score
        }
    }

    public struct ResolvedPlace: Codable, Sendable, Equatable {
        /// The most specific unit known; nil when nothing matched.
        public var code: String?
        public var level: String?
        public var name: String?
        /// Codes from the country down to `code`.
        public var lineage: [String]
        public var ambiguous: Bool
        public init(code: String?, level: String?, name: String?, lineage: [String], ambiguous: Bool) {
            self.code = code
            self.level = level
            self.name = name
            self.lineage = lineage
            self.ambiguous = ambiguous
        }
    }

    public struct RoutedTarget: Codable, Sendable, Equatable {
        public var code: String
        public var type: TargetType
        public var role: TargetRole
        /// Case details are for this target only (the GBV partner).
        public var restricted: Bool
        public var level: String?
        public init(code: String, type: TargetType, role: TargetRole, restricted: Bool, level: String?) {
            self.code = code
            self.type = type
            self.role = role
            self.restricted = restricted
            self.level = level
        }
    }

    public struct MatchedRule: Codable, Sendable, Equatable {
        public var id: String
        public var why: String
        public init(id: String, why: String) {
            self.id = id
            self.why = why
        }
    }

    public var caseID: UUID
    public var reportID: ReportID
    public var referenceCode: ReferenceCode
    public var categories: [CategoryScore]
    public var primaryCategory: IncidentCategory
    public var priority: CasePriority
    public var place: ResolvedPlace
    public var targets: [RoutedTarget]
    public var rule: MatchedRule
    public var language: String
    public var channel: ReportChannel
    public var receivedAt: Date
    public var routedAt: Date
    public var reporter: ProtectedPhone?
    /// Nil when the text is restricted to one target.
    public var text: String?
    public var textRestricted: Bool

    public init(caseID: UUID, reportID: ReportID, referenceCode: ReferenceCode, categories: [CategoryScore], primaryCategory: IncidentCategory,
                priority: CasePriority, place: ResolvedPlace, targets: [RoutedTarget], rule: MatchedRule, language: String,
                channel: ReportChannel, receivedAt: Date, routedAt: Date, reporter: ProtectedPhone?, text: String?, textRestricted: Bool) {
        self.caseID = caseID
        self.reportID = reportID
        self.referenceCode = referenceCode
        self.categories = categories
        self.primaryCategory = primaryCategory
        self.priority = priority
        self.place = place
        self.targets = targets
        self.rule = rule
        self.language = language
        self.channel = channel
        self.receivedAt = receivedAt
        self.routedAt = routedAt
        self.reporter = reporter
        self.text = text
        self.textRestricted = textRestricted
    }
}

/// Payload of `hotline.notifications.requested`, type `org.hotline.notification.requested.v1`.
public struct NotificationRequested: Codable, Sendable, Equatable {
    public static let eventType = "org.hotline.notification.requested.v1"

    public enum Priority: String, Codable, Sendable, Comparable {
        case routine, survey, urgent
        private var rank: Int { [.survey, .routine, .urgent].firstIndex(of: self)! }
        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
    }

    /// The idempotency key: the same request delivered again carries the same id.
    public var notificationID: String
    public var recipient: ProtectedPhone
    /// `reporter` or `member`: reporter messages never carry the category or place.
    public var audience: String
    public var template: String
    public var parameters: [String: String]
    public var language: String
    public var priority: Priority
    public var caseID: UUID?
    public var referenceCode: ReferenceCode?
    /// IANA time zone of the recipient's area, for quiet hours; optional (older producers omit it).
    public var timeZone: String?
    /// `HH:MM-HH:MM` in that zone: for an alert to a target that keeps active hours, a non-urgent
    /// message waits for them (instead of the configured quiet hours); optional.
    public var activeHours: String?

    public init(notificationID: String, recipient: ProtectedPhone, audience: String, template: String, parameters: [String: String],
                language: String, priority: Priority, caseID: UUID?, referenceCode: ReferenceCode?, timeZone: String? = nil,
                activeHours: String? = nil) {
        self.notificationID = notificationID
        self.recipient = recipient
        self.audience = audience
        self.template = template
        self.parameters = parameters
        self.language = language
        self.priority = priority
        self.caseID = caseID
        self.referenceCode = referenceCode
        self.timeZone = timeZone
        self.activeHours = activeHours
    }
}
