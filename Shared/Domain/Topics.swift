/// Kafka topic names. They are part of the public contract between services and with analysts.
public enum Topic {
    public static let reportsReceived = "hotline.reports.received"
    public static let casesRouted = "hotline.cases.routed"
    public static let caseEvents = "hotline.cases.events"
    public static let notificationsRequested = "hotline.notifications.requested"
    public static let notificationStatus = "hotline.notifications.status"
    /// Inbound SMS that are commands, replies or opt-outs rather than new reports.
    public static let commandsReceived = "hotline.commands.received"

    public static let all: [String] = [
        reportsReceived, casesRouted, caseEvents, notificationsRequested, notificationStatus, commandsReceived,
    ]

    /// Where a consumer parks a message it could not handle after bounded retries.
    public static func deadLetter(for topic: String) -> String { "\(topic).dlq" }
}
