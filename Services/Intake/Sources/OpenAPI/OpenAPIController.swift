import Foundation
import HotlineRuntime
import Hummingbird
import NIOCore

/// `GET /openapi.json`: the document, without the paths of gateways this instance does not serve.
struct OpenAPIController: Sendable {
    let body: ByteBuffer

    init(enabledGateways: Set<IntakeConfiguration.Gateway>) throws {
        body = ByteBuffer(bytes: try Self.document(enabledGateways: enabledGateways))
    }

    static func document(enabledGateways: Set<IntakeConfiguration.Gateway>) throws -> Data {
        guard var document = try JSONSerialization.jsonObject(with: Data(IntakeOpenAPI.json.utf8)) as? [String: Any],
              var paths = document["paths"] as? [String: Any]
        else { throw OpenAPIDocumentError() }
        for gateway in IntakeConfiguration.Gateway.allCases where !enabledGateways.contains(gateway) {
            for path in paths.keys where path.hasPrefix("/v1/inbound/\(gateway.rawValue)/") { paths[path] = nil }
        }
        document["paths"] = paths
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
    }

    func addRoutes(to router: Router<HotlineRequestContext>) {
        let body = self.body
        router.get("openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
    }
}

struct OpenAPIDocumentError: Error {}
