import Foundation
@testable import NotificationService
import Testing

/// GSM-7 versus UCS-2, segment counts, and cuts that never fall inside a character.
@Suite("SMS encoding and segments")
struct EncodingTests {
    @Test("French with only GSM-7 letters (é, è, à, ù) is GSM-7, one segment up to 160")
    func frenchGSM() {
        let text = "Merci. Votre signalement est enregistré sous le code 7KQ2ZX. Envoyez ETAT 7KQ2ZX pour le suivre. STOP pour ne plus recevoir de SMS."
        let encoding = SMSEncoding.analyse(text)
        #expect(encoding.alphabet == .gsm7)
        #expect(encoding.units == text.count)
        #expect(encoding.segments == 1)
        #expect(SMSEncoding.analyse(String(repeating: "é", count: 160)).segments == 1)
        #expect(SMSEncoding.analyse(String(repeating: "é", count: 161)).segments == 2)
        #expect(SMSEncoding.analyse(String(repeating: "a", count: 306)).segments == 2)
        #expect(SMSEncoding.analyse(String(repeating: "a", count: 307)).segments == 3)
    }

    @Test("French with ç, ê or ô needs UCS-2: 70 per SMS, 67 per part")
    func frenchUCS2() {
        let text = "Reçu : votre signalement sera traité. Ne répondez pas à ce message si vous êtes en sécurité."
        let encoding = SMSEncoding.analyse(text)
        #expect(encoding.alphabet == .ucs2)
        #expect(encoding.units == 92)
        #expect(encoding.segments == 2)
        #expect(encoding.parts.joined() == text)
        #expect(encoding.parts.allSatisfy { $0.utf16.count <= 67 })
    }

    @Test("GSM-7 extension characters (€, [, ], {, }) count two septets and a pair is never split")
    func gsmExtension() {
        #expect(SMSEncoding.analyse("€").units == 2)
        #expect(SMSEncoding.analyse(String(repeating: "€", count: 80)).segments == 1)
        #expect(SMSEncoding.analyse(String(repeating: "€", count: 81)).segments == 2)
        // 152 septets then a euro sign: the euro goes whole into the second part.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "b", count: 10)
        let encoding = SMSEncoding.analyse(text)
        #expect(encoding.alphabet == .gsm7)
        #expect(encoding.parts.count == 2)
        #expect(encoding.parts[0] == String(repeating: "a", count: 152))
        #expect(encoding.parts[1].hasPrefix("€"))
    }

    @Test("Arabic is UCS-2; a 70-character message is one segment, 71 is two")
    func arabic() {
        let text = "شكرا. سجلنا بلاغك برقم 7KQ2ZX. أرسل STATUS 7KQ2ZX للمتابعة."
        let encoding = SMSEncoding.analyse(text)
        #expect(encoding.alphabet == .ucs2)
        #expect(encoding.units == text.utf16.count)
        #expect(encoding.units <= 70)
        #expect(encoding.segments == 1)
        let long = String(repeating: "ب", count: 71)
        #expect(SMSEncoding.analyse(long).segments == 2)
        #expect(SMSEncoding.analyse(String(repeating: "ب", count: 134)).segments == 2)
        #expect(SMSEncoding.analyse(String(repeating: "ب", count: 135)).segments == 3)
    }

    @Test("N'Ko is UCS-2, and a letter with its tone mark stays in one part")
    func nko() {
        // "ߒ ߞߏ ߞߊ߲ ߞߊ߲߬ߞߎ߲߬ߞߊ߲" style sample: N'Ko letters (U+07C0–U+07EA) with combining tone marks (U+07EB–U+07F3).
        let word = "ߞߊ߲߬"  // ka + nasalisation + tone mark: one grapheme cluster of 2 letters, 4 UTF-16 units
        let text = "ߒߞߏ ߦߋ߫ ߘߐ߬ߞߏ ߟߊ߫ ߞߊ߬ ߓߍ߲߬ " + String(repeating: word, count: 20)
        let encoding = SMSEncoding.analyse(text)
        #expect(encoding.alphabet == .ucs2)
        #expect(encoding.units == text.utf16.count)
        let minimum = (encoding.units + 66) / 67
        #expect(encoding.units > 70)
        #expect((minimum...minimum + 1).contains(encoding.segments), "greedy cuts at character boundaries: \(encoding.segments) parts for \(encoding.units) units")
        #expect(encoding.parts.joined() == text)
        for part in encoding.parts {
            #expect(part.utf16.count <= 67)
            // No part begins with a combining mark: no character was cut.
            #expect(!(part.unicodeScalars.first.map { (0x07EB...0x07F3).contains($0.value) } ?? false))
        }
        let short = "ߒߞߏ ߦߋ߫ ߊ߬ ߝߐ߫"
        #expect(SMSEncoding.analyse(short).segments == 1)
    }

    @Test("an emoji outside the BMP counts two UCS-2 units and its surrogate pair is never split")
    func surrogates() {
        let text = String(repeating: "a", count: 66) + "🙂" + "b"
        let encoding = SMSEncoding.analyse(text)
        #expect(encoding.units == 69)
        #expect(encoding.segments == 1)
        let longer = String(repeating: "a", count: 66) + "🙂" + String(repeating: "b", count: 10)
        let split = SMSEncoding.analyse(longer)
        #expect(split.segments == 2)
        #expect(split.parts[0] == String(repeating: "a", count: 66))
        #expect(split.parts[1].hasPrefix("🙂"))
    }
}
