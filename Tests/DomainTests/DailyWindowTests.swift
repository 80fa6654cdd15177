import Foundation
@testable import HotlineDomain
import Testing

@Suite("Daily windows: quiet hours and active hours")
struct DailyWindowTests {
    let bamako = TimeZone(identifier: "Africa/Bamako")!
    let niamey = TimeZone(identifier: "Africa/Lagos")!  // UTC+1, like Niamey

    func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test("parses HH:MM-HH:MM, prints it back, and refuses anything else")
    func parsing() throws {
        let window = try #require(DailyWindow(parsing: "21:00-07:00"))
        #expect(window == DailyWindow(start: 21 * 60, end: 7 * 60))
        #expect(window.description == "21:00-07:00")
        #expect(DailyWindow(parsing: "8:00-18:30")?.description == "08:00-18:30")
        #expect(DailyWindow(parsing: " 08:00 - 18:00 ")?.description == "08:00-18:00")
        for bad in ["", "late", "25:00-07:00", "08:60-09:00", "08:00", "08:00-09:00-10:00", "08:0-09:00", "-08:00-09:00", "080:00-09:00"] {
            #expect(DailyWindow(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("the next moment outside a window wraps past midnight, in the given zone")
    func outside() throws {
        let quiet = try #require(DailyWindow(parsing: "21:00-07:00"))
        #expect(quiet.nextOutside(from: date("2026-11-24T12:00:00Z"), in: bamako) == date("2026-11-24T12:00:00Z"))
        #expect(quiet.nextOutside(from: date("2026-11-24T22:30:00Z"), in: bamako) == date("2026-11-25T07:00:00Z"))
        #expect(quiet.nextOutside(from: date("2026-11-24T03:15:20Z"), in: bamako) == date("2026-11-24T07:00:00Z"))
        // 06:30 UTC is 07:30 in Niamey: already outside there, still quiet in Bamako.
        #expect(quiet.nextOutside(from: date("2026-11-24T06:30:00Z"), in: niamey) == date("2026-11-24T06:30:00Z"))
        #expect(quiet.nextOutside(from: date("2026-11-24T06:30:00Z"), in: bamako) == date("2026-11-24T07:00:00Z"))
    }

    @Test("the next moment inside a window: now when inside, else its next start; an empty window holds nothing back")
    func inside() throws {
        let office = try #require(DailyWindow(parsing: "08:00-18:00"))
        #expect(office.nextInside(from: date("2026-11-24T09:00:00Z"), in: bamako) == date("2026-11-24T09:00:00Z"))
        #expect(office.nextInside(from: date("2026-11-24T18:00:00Z"), in: bamako) == date("2026-11-25T08:00:00Z"))
        #expect(office.nextInside(from: date("2026-11-24T02:10:30Z"), in: bamako) == date("2026-11-24T08:00:00Z"))
        #expect(office.nextInside(from: date("2026-11-24T07:30:00Z"), in: niamey) == date("2026-11-24T07:30:00Z"))
        let night = try #require(DailyWindow(parsing: "20:00-06:00"))
        #expect(night.nextInside(from: date("2026-11-24T05:59:00Z"), in: bamako) == date("2026-11-24T05:59:00Z"))
        #expect(night.nextInside(from: date("2026-11-24T06:00:00Z"), in: bamako) == date("2026-11-24T20:00:00Z"))
        let empty = DailyWindow(start: 600, end: 600)
        #expect(empty.nextInside(from: date("2026-11-24T02:00:00Z"), in: bamako) == date("2026-11-24T02:00:00Z"))
        #expect(empty.nextOutside(from: date("2026-11-24T10:00:00Z"), in: bamako) == date("2026-11-24T10:00:00Z"))
    }

    @Test("every minute of a day lands inside the window by nextInside and outside it by nextOutside, within a day")
    func everyMinute() throws {
        let midnight = date("2026-11-24T00:00:00Z")
        for window in [DailyWindow(start: 480, end: 1_080), DailyWindow(start: 1_260, end: 420), DailyWindow(start: 0, end: 1)] {
            for minute in stride(from: 0, to: 24 * 60, by: 13) {
                let moment = midnight.addingTimeInterval(TimeInterval(minute * 60 + 13))
                let inside = window.nextInside(from: moment, in: bamako)
                let outside = window.nextOutside(from: moment, in: bamako)
                for (found, wanted) in [(inside, true), (outside, false)] {
                    #expect(found >= moment && found.timeIntervalSince(moment) < 86_400)
                    let local = Int(found.timeIntervalSince(midnight) / 60) % (24 * 60)
                    #expect(window.contains(minuteOfDay: local) == wanted, "\(window) from minute \(minute)")
                }
            }
        }
    }
}
