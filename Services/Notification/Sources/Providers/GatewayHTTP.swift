import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A gateway's answer, read whole (gateway answers are small).
public struct GatewayResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// `Retry-After` in seconds, when present.
    var retryAfter: Duration? {
        header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { .seconds($0) }
    }
}

/// The HTTP calls providers make, over AsyncHTTPClient, with their failures classified.
struct GatewayHTTP: Sendable {
    let client: HTTPClient
    let timeout: Duration

    func post(_ url: String, headers: [(String, String)], form: [(String, String)]) async throws -> GatewayResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        return try await execute(request)
    }

    func get(_ url: String, headers: [(String, String)]) async throws -> GatewayResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> GatewayResponse {
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                + Int64(timeout.components.attoseconds / 1_000_000_000)))
            let body = try await response.body.collect(upTo: 1 << 20)
            return GatewayResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                                   body: Array(buffer: body))
        } catch let error as ProviderError {
            throw error
        } catch {
            throw Self.classify(transportError: error)
        }
    }

    /// A failure before the request could leave is retriable; one after it left is ambiguous.
    static func classify(transportError error: any Error) -> ProviderError {
        let notSent: [HTTPClientError] = [
            .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout, .invalidURL, .emptyHost, .emptyScheme,
            .httpProxyHandshakeTimeout, .socksHandshakeTimeout,
        ]
        if let httpError = error as? HTTPClientError, notSent.contains(httpError) {
            return ProviderError(code: .retriable, reason: "connect", detail: "\(httpError)")
        }
        let text = String(reflecting: error)
        if text.contains("connectTimeout") || text.contains("NIOConnectionError") || text.contains("Connection refused")
            || text.contains("connectionRefused") {
            return ProviderError(code: .retriable, reason: "connect", detail: "could not connect to the gateway")
        }
        return ProviderError(code: .ambiguous, reason: "no_response", detail: "request sent but no answer: \(error)")
    }
}

enum FormEncoding {
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Percent-encodes every byte outside RFC 3986's unreserved set (byte by byte: this runs for
    /// every SMS sent, and `String(format:)` per byte was 6 % of the service's CPU under load).
    static func escape(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

extension GatewayResponse {
    /// 429 and 5xx are the gateway's way of saying "later".
    var isRetriableStatus: Bool { status == 429 || (500...599).contains(status) }

    func json() -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// The start of the body with anything that looks like a phone number masked, for the history.
    var redactedText: String { Redaction.maskNumbers(String(decoding: body.prefix(200), as: UTF8.self)) }
}

enum Redaction {
    /// Masks every run of six or more digits (with separators), so a gateway's echo of the
    /// recipient's number never reaches a log line, a table or an event.
    static func maskNumbers(_ text: String) -> String {
        var output = ""
        var run = ""
        var digits = 0
        func flush() {
            output += digits >= 6 ? "[number]" : run
            run = ""
            digits = 0
        }
        for character in text {
            if character.isASCII && character.isNumber {
                run.append(character)
                digits += 1
            } else if !run.isEmpty, character == " " || character == "-" || character == "." || character == "(" || character == ")" {
                run.append(character)
            } else if run.isEmpty, character == "+" {
                run.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }
}
