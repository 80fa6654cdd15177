import Foundation
import HotlineReference
import HotlineTestSupport
@testable import IntakeService
import Testing

/// The USSD menu as a pure function: no servers.
@Suite("USSD menu")
struct USSDMenuTests {
    let gazetteer: Gazetteer = try! Gazetteer.parseCSV(
        String(contentsOfFile: TestEnvironment.repositoryRoot + "/reference/gazetteer.csv", encoding: .utf8))

    func walk(_ inputs: [String], country: String = "ML") -> (replies: [USSDMenu.Reply], state: USSDState) {
        var state = USSDState()
        var replies = [USSDMenu.process(state, input: nil, gazetteer: gazetteer, country: country)]
        state = replies[0].state
        for input in inputs {
            let reply = USSDMenu.process(state, input: input, gazetteer: gazetteer, country: country)
            replies.append(reply)
            state = reply.state
        }
        return (replies, state)
    }

    @Test("a French session: language, category, region, commune, details, confirmation")
    func frenchWalk() throws {
        // 1 Français, 2 Attaque armée, Mopti (found by name), Sévaré (found by name), details, confirm.
        let regions = USSDMenu.regions(gazetteer, "ML")
        let regionPages = USSDMenu.paginate(header: "Région:", items: regions.map(\.name), more: "Suite")
        let mopti = try #require(regions.firstIndex { $0.name == "Mopti" })
        let regionPage = try #require(regionPages.firstIndex { $0.contains(mopti) })
        let regionInputs = Array(repeating: "0", count: regionPage) + ["\(mopti - regionPages[regionPage].lowerBound + 1)"]
        let communes = USSDMenu.communes(gazetteer, "ML-5")
        let sevare = try #require(communes.firstIndex { $0.name == "Sévaré" })
        let communePages = USSDMenu.paginate(header: "Commune:", items: communes.map(\.name) + ["Je ne sais pas"], more: "Suite")
        let communePage = try #require(communePages.firstIndex { $0.contains(sevare) })
        let communeInputs = Array(repeating: "0", count: communePage) + ["\(sevare - communePages[communePage].lowerBound + 1)"]

        let (replies, state) = walk(["1", "2"] + regionInputs + communeInputs + ["Tirs au marché * hommes armés", "1"])
        #expect(replies.dropLast().allSatisfy { !$0.ends })
        #expect(replies.last?.submit == true)
        #expect(state.language == "fr")
        #expect(state.category == "armed_attack")
        #expect(state.regionCode == "ML-5")
        #expect(state.placeCode == "ML-5-MOP-SEV")
        #expect(state.details == "Tirs au marché * hommes armés")
        #expect(replies[1].text.hasPrefix("Type d'incident:"))
    }

    @Test("every screen of every language fits 160 characters, with lists paged")
    func screensFit() {
        for language in ["1", "2", "3", "4", "5"] {
            var state = USSDState()
            var screens: [String] = [USSDMenu.process(state, input: nil, gazetteer: gazetteer, country: "ML").text]
            state = USSDMenu.process(state, input: language, gazetteer: gazetteer, country: "ML").state
            for step in [USSDState.Step.category, .region, .commune, .details, .confirm] {
                state.step = step
                state.regionCode = "ML-5"
                for page in 0..<4 {
                    state.page = page
                    screens.append(USSDMenu.screen(for: state, gazetteer: gazetteer, country: "ML").text)
                    screens.append(USSDMenu.process(state, input: "x", gazetteer: gazetteer, country: "ML").text)
                }
            }
            screens.append(USSDMenu.thanks(code: "7KQ2ZX", language: state.language))
            for screen in screens {
                #expect(screen.count <= 160, "\(screen.count) characters: \(screen)")
            }
        }
    }

    @Test("invalid choices repeat the screen with a notice; cancel ends the session")
    func invalidAndCancel() {
        let invalid = walk(["9"]).replies.last!
        #expect(!invalid.ends && invalid.text.hasPrefix("Choix invalide."))
        #expect(invalid.state.step == .language)
        let english = walk(["2", "1"]).replies.last!
        #expect(english.text.hasPrefix("Region:"))
        let cancelled = walk(["2", "1", "1", "1", "0", "2"]).replies.last!
        #expect(cancelled.ends && !cancelled.submit && cancelled.rendered == "END Report cancelled.")
    }

    @Test("the new input is what follows the text seen last, even when it contains *")
    func cumulativeText() {
        #expect(USSDController.newInput(text: "1", previous: "") == "1")
        #expect(USSDController.newInput(text: "1*2", previous: "1") == "2")
        #expect(USSDController.newInput(text: "1*2*3*a*b", previous: "1*2*3") == "a*b")
    }

    @Test("a country without a loaded gazetteer skips the place screens")
    func noGazetteer() throws {
        let empty = try Gazetteer(places: [])
        var state = USSDState()
        state = USSDMenu.process(state, input: "1", gazetteer: empty, country: "ML").state
        let reply = USSDMenu.process(state, input: "1", gazetteer: empty, country: "ML")
        #expect(reply.state.step == .details)
    }
}
