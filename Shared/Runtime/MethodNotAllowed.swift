import HTTPTypes
import Hummingbird

extension Router {
    /// Answers a known path asked with a method it does not serve with 405 and `Allow`, where the
    /// router alone answers 404: an operator who opens a webhook URL in a browser to check it
    /// should learn that the URL is right and the method is not. Call once every route is added.
    public func answerMethodNotAllowed(for methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]) {
        let served = Dictionary(grouping: routes, by: \.path.description)
        for descriptions in served.values {
            let path = descriptions[0].path
            let allowed = Set(descriptions.map(\.method))
            let allow = allowed.map(\.rawValue).sorted().joined(separator: ", ")
            for method in methods where !allowed.contains(method) {
                on(path, method: method) { _, _ -> Response in
                    throw APIError(.methodNotAllowed, code: "method_not_allowed",
                                   message: "\(method.rawValue) is not served here; use \(allow)", headers: [.allow: allow])
                }
            }
        }
    }
}
