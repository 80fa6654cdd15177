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
        // Codable, not JSONSerialization: a test run crashed inside corelibs Foundation's bridging
        // of nested NSDictionary values while serializing this document.
        guard case .object(var document) = try JSONDecoder().decode(JSONValue.self, from: Data(IntakeOpenAPI.json.utf8)),
              case .object(var paths) = document["paths"]
        else { throw OpenAPIDocumentError() }
        for gateway in IntakeConfiguration.Gateway.allCases where !enabledGateways.contains(gateway) {
            for path in paths.keys where path.hasPrefix("/v1/inbound/\(gateway.rawValue)/") { paths[path] = nil }
        }
        document["paths"] = .object(paths)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(JSONValue.object(document))
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

/// Any JSON document, kept as it was read (integers stay integers).
enum JSONValue: Codable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
