/// Where a case stands in its lifecycle. The accountability service enforces the transitions.
public enum CaseState: String, Codable, Sendable, CaseIterable {
    case routed
    case acknowledged
    case inProgress = "in_progress"
    case referred
    case resolved
    case dismissed
    case reopened

    /// The states a case may move to from this one.
    public var allowedNext: Set<CaseState> {
        switch self {
        case .routed: [.acknowledged, .referred, .dismissed]
        case .acknowledged: [.inProgress, .referred, .resolved, .dismissed]
        case .inProgress: [.referred, .resolved, .dismissed]
        case .referred: [.acknowledged, .dismissed]
        case .resolved, .dismissed: [.reopened]
        case .reopened: [.acknowledged, .inProgress, .referred, .resolved, .dismissed]
        }
    }

    public func canMove(to next: CaseState) -> Bool { allowedNext.contains(next) }

    public var isTerminal: Bool { self == .resolved || self == .dismissed }
}
