import Metrics

/// The metric names the ops dashboard uses. Labels never carry a number, a pseudonym or a text.
enum NotificationMetrics {
    static func sent(provider: String, encoding: String, segments: Int) {
        Counter(label: "hotline_sms_sent_total", dimensions: [("provider", provider)]).increment()
        Counter(label: "hotline_sms_segments_total", dimensions: [("provider", provider), ("encoding", encoding)])
            .increment(by: Int64(segments))
    }

    static func failed(provider: String, reason: String) {
        Counter(label: "hotline_sms_failed_total", dimensions: [("provider", provider), ("reason", reason)]).increment()
    }

    static func dispatchDuration(_ duration: Duration) {
        Timer(label: "hotline_notification_dispatch_duration_seconds").record(duration: duration)
    }

    /// One step of a dispatch batch (`tokens`, `claim`, `prepare`, `record`) or of one message
    /// (`gateway`), to see where dispatch time goes.
    static func step(_ step: String, since started: ContinuousClock.Instant) {
        Timer(label: "hotline_notification_step_duration_seconds", dimensions: [("step", step)])
            .record(duration: ContinuousClock.now - started)
    }

    /// A dispatcher loop found the rate-limit bucket empty and waited.
    static func rateLimited() {
        Counter(label: "hotline_sms_rate_limit_waits_total").increment()
    }

    /// A claimed message reached the gateway too long after its token's grant and took a new one.
    static func tokensRetaken(_ count: Int) {
        Counter(label: "hotline_sms_rate_tokens_retaken_total").increment(by: count)
    }

    /// Counts of the whole table, the same from every replica: alert on their max, not their sum.
    static func backlog(pending: Int, awaitingDecision: Int) {
        Gauge(label: "hotline_notifications_pending").record(pending)
        Gauge(label: "hotline_notifications_awaiting_decision").record(awaitingDecision)
    }
}
