import Foundation
import HotlineDomain
import HotlineReference
import HotlineRuntime

/// Accountability's own settings (see the README's table).
package struct AccountabilitySettings: Sendable {
    package struct Survey: Sendable {
        /// Names the template `survey.<questionID>` and keys the answers.
        package var questionID = "perception"
        package var intervalDays: Double = 30
        /// Lineage depth of the survey area: 1 = region (admin-1), 2 = cercle.
        package var areaDepth = 1
        package init() {}
    }

    package var deadlines = DeadlinePolicy()
    package var defaultLanguage = "fr"
    /// How long a rating or survey question waits for its 1–5 answer.
    package var replyWindow: TimeInterval = 3 * 86_400
    package var schedulerInterval: Duration = .seconds(30)
    package var referenceRefreshSeconds = 60
    /// Nil disables the perception survey.
    package var survey: Survey? = Survey()

    package init() {}

    package static func fromEnvironment(_ reader: inout EnvironmentReader) -> AccountabilitySettings {
        var settings = AccountabilitySettings()
        for priority in CasePriority.allCases {
            let name = priority.rawValue.uppercased()
            let acknowledge = reader.int("HOTLINE_DEADLINE_\(name)_ACK_MINUTES", default: Int(settings.deadlines.acknowledge[priority]!.seconds / 60))
            let resolve = reader.int("HOTLINE_DEADLINE_\(name)_RESOLVE_HOURS", default: Int(settings.deadlines.resolve[priority]!.seconds / 3_600))
            settings.deadlines.acknowledge[priority] = .seconds(acknowledge * 60)
            settings.deadlines.resolve[priority] = .seconds(resolve * 3_600)
        }
        settings.deadlines.hours.timeZone = reader.timeZone("HOTLINE_LOCAL_TIME_ZONE", default: TargetHours.defaultTimeZone)
        settings.defaultLanguage = reader.string("HOTLINE_DEFAULT_LANGUAGE", default: "fr")
        settings.replyWindow = TimeInterval(reader.int("HOTLINE_REPLY_WINDOW_HOURS", default: 72) * 3_600)
        settings.schedulerInterval = .seconds(reader.int("HOTLINE_SCHEDULER_INTERVAL_SECONDS", default: 30))
        settings.referenceRefreshSeconds = reader.int("HOTLINE_REFERENCE_REFRESH_SECONDS", default: 60)
        let surveyDays = reader.int("HOTLINE_SURVEY_INTERVAL_DAYS", default: 30)
        if surveyDays > 0 {
            var survey = Survey()
            survey.intervalDays = Double(surveyDays)
            survey.questionID = reader.string("HOTLINE_SURVEY_QUESTION", default: "perception")
            survey.areaDepth = reader.int("HOTLINE_SURVEY_AREA_DEPTH", default: 1)
            settings.survey = survey
        } else {
            settings.survey = nil
        }
        return settings
    }
}
