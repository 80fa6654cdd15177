import Foundation
import HotlineDomain

/// The printable case record: the whole history with each link's hash, so a paper copy can be
/// checked against the system later. HTML for browsers, plain text for printing without SMS.
package enum CaseRecordRenderer {
    package static func text(_ record: CaseRecord) -> String {
        let snapshot = record.snapshot
        var lines = [
            "CASE RECORD \(snapshot.referenceCode)",
            "State: \(snapshot.state.rawValue)   Priority: \(snapshot.priority.rawValue)   Category: \(snapshot.category.rawValue)",
            "Place: \(snapshot.placeCode ?? "unknown")   Lead: \(snapshot.owner)   Escalation level: \(snapshot.escalationLevel)",
            "Targets: " + record.targets.map { "\($0.code) (\($0.role))" }.joined(separator: ", "),
            "",
            "HISTORY",
        ]
        for entry in record.history {
            let link = entry.link
            var line = "\(link.sequence). \(timestamp(entry.occurredAt))  \(link.kind)"
            if let from = link.fromState, let to = link.toState { line += " \(from) -> \(to)" } else if let to = link.toState { line += " -> \(to)" }
            line += "  by \(link.actorID) (\(link.actorRole), \(link.channel))"
            if let target = link.target { line += "  target \(target)" }
            lines.append(line)
            if let detail = link.detail { lines.append("   \(detail)") }
            if let rating = link.rating { lines.append("   rating: \(rating)/5") }
            lines.append("   hash \(link.hash)")
        }
        if !record.hearings.isEmpty {
            lines += ["", "HEARINGS"]
            for hearing in record.hearings {
                lines.append("\(hearing.heldOn)  \(hearing.college): \(hearing.decision)")
                for party in hearing.parties { lines.append("   \(party.party): \(party.accepted ? "accepted" : "did not accept")") }
            }
        }
        lines += ["", "Audit hash (head of chain): \(record.headHash)",
                  "Chain check: " + (record.chainBreak.map { "BROKEN at \($0)" } ?? "intact")]
        return lines.joined(separator: "\n") + "\n"
    }

    package static func html(_ record: CaseRecord) -> String {
        let snapshot = record.snapshot
        var rows = ""
        for entry in record.history {
            let link = entry.link
            let change = [link.fromState, link.toState].compactMap { $0 }.joined(separator: " → ")
            rows += "<tr><td>\(link.sequence)</td><td>\(escape(timestamp(entry.occurredAt)))</td><td>\(escape(link.kind)) \(escape(change))</td>"
            rows += "<td>\(escape(link.actorID)) (\(escape(link.actorRole)), \(escape(link.channel)))</td>"
            rows += "<td>\(escape(link.target ?? ""))\(link.detail.map { "<br>" + escape($0) } ?? "")\(link.rating.map { "<br>rating \($0)/5" } ?? "")</td>"
            rows += "<td><code>\(link.hash)</code></td></tr>\n"
        }
        var hearings = ""
        for hearing in record.hearings {
            let parties = hearing.parties.map { "\(escape($0.party)): \($0.accepted ? "accepted" : "did not accept")" }.joined(separator: "; ")
            hearings += "<li>\(escape(hearing.heldOn)), \(escape(hearing.college)): \(escape(hearing.decision)) <em>(\(parties))</em></li>\n"
        }
        return """
            <!doctype html>
            <html lang="fr"><head><meta charset="utf-8"><title>Case \(snapshot.referenceCode)</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px;vertical-align:top;font-size:90%}code{font-size:75%;word-break:break-all}@media print{body{margin:0}}</style>
            </head><body>
            <h1>Case record \(snapshot.referenceCode)</h1>
            <p>State <strong>\(snapshot.state.rawValue)</strong> · priority \(snapshot.priority.rawValue) · category \(snapshot.category.rawValue) · place \(escape(snapshot.placeCode ?? "unknown")) · lead \(escape(snapshot.owner)) · escalation level \(snapshot.escalationLevel)</p>
            <p>Targets: \(record.targets.map { "\(escape($0.code)) (\($0.role))" }.joined(separator: ", "))</p>
            <h2>History</h2>
            <table><tr><th>#</th><th>When (UTC)</th><th>What</th><th>Who</th><th>Details</th><th>Hash</th></tr>
            \(rows)</table>
            \(hearings.isEmpty ? "" : "<h2>Hearings</h2><ul>\n\(hearings)</ul>")
            <p>Audit hash (head of chain): <code>\(record.headHash)</code><br>Chain check: \(record.chainBreak.map { "BROKEN at \(escape($0.description))" } ?? "intact")</p>
            </body></html>

            """
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
