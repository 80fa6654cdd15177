import Foundation
import HotlineConcurrency
import HotlineStorage
import HTTPTypes
import Hummingbird
import NIOCore
import PostgresNIO

/// Request context for every service: the public door accepts at most 64 KiB per request.
public struct HotlineRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address, for source allowlists. Nil in router tests.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { 64 * 1024 }
}

/// An error answered as `{"error": {"code": "...", "message": "..."}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public static func badRequest(_ code: String, _ message: String) -> APIError { .init(.badRequest, code: code, message: message) }

    public static let databaseUnavailable = APIError(
        .serviceUnavailable, code: "database_unavailable",
        message: "the report could not be stored; retry later", headers: [.retryAfter: "5"])

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONBody.response(status: status, headers: headers, ["error": ["code": code, "message": message]])
    }
}

enum JSONBody {
    static func response(status: HTTPResponse.Status, headers: HTTPFields = [:], _ object: [String: Any]) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error into a JSON answer with the right class of status.
///
/// Client mistakes keep their 4xx; a database that cannot be reached becomes 503 so gateways
/// retry; anything else is a 500 that never leaks internals.
public struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            let code = error.status == .contentTooLarge ? "body_too_large" : "http_\(error.status.code)"
            throw APIError(error.status, code: code, message: error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
        } catch where isDatabaseUnavailable(error) {
            context.logger.error("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.databaseUnavailable
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, code: "internal", message: "internal error")
        }
    }
}

public struct RequestDeadlineExceeded: Error, Sendable {}

/// Bounds how long a request may take, so a gateway hears 503 in seconds rather than hanging
/// while the database is unreachable. A request cut short never answered 2xx, so the gateway's
/// retry is safe: idempotency keys turn it into the same outcome.
public struct DeadlineResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context: RequestContext {
    public typealias Context = Wrapped.Context
    let wrapped: Wrapped
    let deadline: Duration

    public init(_ wrapped: Wrapped, deadline: Duration) {
        self.wrapped = wrapped
        self.deadline = deadline
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let wrapped = self.wrapped
        do {
            return try await withDeadline(deadline) { try await wrapped.respond(to: request, context: context) }
        } catch is DeadlineExceeded {
            context.logger.error("request deadline exceeded", metadata: ["deadline": "\(deadline)"])
        }
        return try APIError(.serviceUnavailable, code: "timeout", message: "the request could not be completed in time; retry later",
                            headers: [.retryAfter: "5"]).response(from: request, context: context)
    }
}
