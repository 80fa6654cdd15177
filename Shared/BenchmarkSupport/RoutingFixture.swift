import Foundation
import HotlineDomain
import HotlinePrivacy
import HotlineReference
import RoutingService

/// Inputs for the routing benchmarks: the shipped reference data and realistic reports.
public struct RoutingFixture: Sendable {
    public static var defaultReferenceDirectory: String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/reference"
    }

    let engine: RoutingEngine
    let reports: [ReportReceived]
    let longArabic: ReportReceived

    public init(referenceDirectory: String) throws {
        let protector = PIIProtector(keyring: .development)
        let reference = try ReferenceSet.load(directory: referenceDirectory, protector: protector, defaultCountryCode: "223")
        engine = RoutingEngine(reference: reference, country: "ML")
        let reporter = try protector.protect(PhoneNumber.normalise("+22376123456", defaultCountryCode: "223")!)
        let texts = [
            "Des hommes armés attaquent le marché de Sévaré maintenant aidez nous",
            "Les policiers du poste de controle de Gao nous rackettent chaque jour 2000 f par moto",
            "Conflit entre eleveurs et agriculteurs a Niono les troupeaux dans les champs de riz",
            "Thieves stole our cattle last night near Timbuktu",
            "sonyalikelaw ye misi saba ta Sevare",
        ]
        reports = texts.map {
            ReportReceived(reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "fr", text: $0,
                           locationHint: nil, receivedAt: Date(), reporter: reporter)
        }
        longArabic = ReportReceived(
            reportID: ReportID(), referenceCode: .random(), channel: .sms, language: "ar",
            text: String(repeating: "هجوم مسلح على السوق في غاو الآن ساعدونا والناس يهربون من القرية ", count: 8),
            locationHint: nil, receivedAt: Date(), reporter: reporter)
    }

    public func routeOne(_ index: Int) -> Int {
        let (routed, notifications) = engine.route(reports[index % reports.count])
        return routed.targets.count + notifications.count
    }

    public func routeLongArabic() -> Int {
        let (routed, notifications) = engine.route(longArabic)
        return routed.targets.count + notifications.count
    }
}
