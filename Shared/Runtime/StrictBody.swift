import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies strictly: the declared content type, the size cap, and well-formed JSON.
public enum StrictBody {
    public static func decodeJSON<Value: Decodable>(
        _ request: Request, context: some RequestContext, as type: Value.Type = Value.self
    ) async throws -> Value {
        try requireContentType(request, "application/json")
        let buffer = try await collect(request, context: context)
        do {
            return try JSONDecoder().decode(Value.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw APIError.badRequest("malformed_json", Self.describe(error))
        }
    }

    public static func requireContentType(_ request: Request, _ expected: String) throws {
        let declared = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard declared == expected else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "Content-Type must be \(expected)")
        }
    }

    public static func collect(_ request: Request, context: some RequestContext) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body is limited to \(context.maxUploadSize) bytes")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "body is not valid JSON" : "field \(path) has the wrong type"
        @unknown default:
            return "body is not valid JSON"
        }
    }
}

public enum JSONResponse {
    public static func make(status: HTTPResponse.Status, _ object: [String: Any]) throws -> Response {
        try JSONBody.response(status: status, object)
    }

    /// `200 {"status":"accepted"}`, the answer to most webhooks, serialised once.
    public static func accepted() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: acceptedBody))
    }

    private static let acceptedBody = ByteBuffer(string: #"{"status":"accepted"}"#)
}
