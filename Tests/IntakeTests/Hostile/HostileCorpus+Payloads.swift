import Foundation
import HTTPTypes

/// Hostile strings, chosen from what attackers actually send, plus the byte sequences UTF-8
/// decoders get wrong.
enum HostilePayloads {
    static let sql: [String] = [
        "' OR '1'='1", "'; DROP TABLE intake.reports; --", "\"; DELETE FROM intake.inbound_messages WHERE ''='",
        "1; SELECT pg_sleep(10); --", "$$; TRUNCATE intake.outbox; $$", "' UNION SELECT reporter_ciphertext FROM intake.reports --",
        "\\'; COPY intake.reports TO '/tmp/x'; --", "%' AND 1=0 UNION ALL SELECT NULL,version()--", "E'\\\\x27'",
        "admin'--", "' || (SELECT current_user) || '", "1' AND SLEEP(5)#", "'); INSERT INTO access.api_keys VALUES ('x'); --",
    ]

    static let script: [String] = [
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(document.cookie)>", "javascript:alert(1)",
        "{{7*7}}${7*7}<%= 7*7 %>", "${jndi:ldap://127.0.0.1/a}", "../../../../etc/passwd", "\r\nSet-Cookie: hijack=1\r\n",
        "<svg/onload=fetch('//x')>", "\u{202E}gnp.exe", "ߒߞߏ 🧨 \u{200B}\u{FEFF}", "]]><!ENTITY x SYSTEM 'file:///etc/passwd'>",
        "%00%0d%0a", "\\u0000", "'\"`;|&$(id)", "STATUS '; DROP TABLE x; --", "\u{1F4A9}\u{0301}\u{0301}\u{0301}",
    ]

    /// PostgreSQL text cannot hold U+0000: intake must refuse it, not fail on it.
    static let nul: [String] = ["vol\u{0}attaque", "\u{0}", "%00 is not this one: \u{0}"]

    static let all: [String] = sql + script + nul

    /// Percent-escapes that decode to invalid UTF-8: lone continuation, truncated sequences,
    /// overlong forms, UTF-16 surrogates, code points past U+10FFFF, bytes never valid.
    static let invalidUTF8Escapes: [String] = [
        "%FF", "%C3%28", "%E2%82", "%ED%A0%80", "%C0%AF", "%F8%88%80%80%80", "%80", "%F4%90%80%80", "%E0%80%AF", "%FE%FF", "%C3",
    ]

    /// The same, as raw bytes.
    static let invalidUTF8Bytes: [[UInt8]] = [
        [0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x80], [0xF4, 0x90, 0x80, 0x80], [0xFE],
    ]

    /// Malformed percent-escapes and form punctuation.
    static let brokenEscapes: [String] = ["%", "%4", "%G0", "%%", "%u00e9", "&=&", "%2", "x%"]

    static let contentTypes: [(String?, expectedForForm: Bool)] = [
        ("application/json", false), ("text/plain", false), ("multipart/form-data; boundary=x", false), (nil, false), ("", false),
        ("application/x-www-form-urlencodedx", false), ("application/x-www-form-urlencoded, application/json", false),
        ("text/html; charset=utf-8", false), ("application/xml", false), ("*/*", false),
        ("application/x-www-form-urlencoded; charset=utf-8", true), ("APPLICATION/X-WWW-FORM-URLENCODED", true),
    ]

    static let wrongMethods: [HTTPRequest.Method] = [.get, .put, .delete, .patch, .options, .trace, .init("PROPFIND")!, .init("X-HOSTILE")!]
}

extension HostileCorpus {
    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    mutating func number(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }

    /// The expectation for a valid request carrying `text` in a stored field.
    static func storing(_ text: String) -> Expectation { text.contains("\u{0}") ? .rejected : .accepted }
}
