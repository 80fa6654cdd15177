import Foundation

/// The SMS texts, one row per template and language, from the reviewable file `templates.csv`.
///
/// Format (the small CSV dialect of every reference file): `#` comments, a `# version:` line,
/// the header `template,language,text`, then rows. The text is the last column and may contain
/// commas; `{name}` is a parameter. Parameters named `state`, `category`, `priority` and `role` are
/// rendered through the template `<name>.<value>` in the same language (`state.in_progress`,
/// `category.armed_attack`), so codes read naturally; without such a text the code is shown.
///
/// Validation, all before anything is stored: names are `lower.dotted_words`, languages are 2–3
/// letter codes, no row is repeated, braces are balanced, every template has a text in the
/// program's default language, a text in another language uses no parameter that the
/// default-language text does not (an unknown placeholder), label texts (`state.*`, `category.*`, …) take no parameters,
/// and `reporter.*` texts never use `{category}`, `{place}`, `{target}` or `{role}`: a shared
/// phone must not reveal what was reported.
public struct MessageTemplates: Sendable, Equatable {
    public static let header = ["template", "language", "text"]
    public static let fileName = "templates.csv"
    /// Parameters a reporter's message may never carry.
    public static let forbiddenForReporters: Set<String> = ["category", "place", "target", "role", "priority"]
    /// Parameters whose values are codes with a translated label `<parameter>.<code>`.
    public static let labelledParameters: Set<String> = ["state", "category", "priority", "role"]

    public let version: String
    public let defaultLanguage: String
    /// template → language → text
    public let texts: [String: [String: String]]

    public init(version: String, defaultLanguage: String, texts: [String: [String: String]]) {
        self.version = version
        self.defaultLanguage = defaultLanguage
        self.texts = texts
    }

    public static func parse(_ source: String, file: String = fileName, defaultLanguage: String) throws -> MessageTemplates {
        let csv = try CSVFile(source, file: file, header: header)
        var texts: [String: [String: String]] = [:]
        var firstLine: [String: Int] = [:]
        for row in csv.rows {
            let (template, language, text) = (row.fields[0], row.fields[1].lowercased(), row.fields[2])
            func reject(_ message: String) -> ReferenceDataError { ReferenceDataError(file: file, line: row.line, message: message) }
            guard isTemplateName(template) else { throw reject("template name \(template) must be lower-case dotted words, e.g. reporter.acknowledgement") }
            guard (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw reject("language \(language) must be a 2–3 letter code (fr, en, ar, bm, ha, ff, dgo…)")
            }
            guard !text.isEmpty else { throw reject("template \(template) (\(language)) has no text") }
            guard texts[template]?[language] == nil else { throw reject("template \(template) (\(language)) is defined twice") }
            let names: [String]
            do { names = try placeholders(in: text) } catch let error as PlaceholderError { throw reject("template \(template) (\(language)): \(error.message)") }
            if let prefix = template.split(separator: ".").first, labelledParameters.contains(String(prefix)), let name = names.first {
                throw reject("label text \(template) (\(language)) takes no parameters, found {\(name)}")
            }
            if template.hasPrefix("reporter."), let name = names.first(where: forbiddenForReporters.contains) {
                throw reject("reporter template \(template) (\(language)) uses {\(name)}: reporter messages never carry the category, place or target")
            }
            texts[template, default: [:]][language] = text
            firstLine[template] = firstLine[template] ?? row.line
        }
        for (template, byLanguage) in texts {
            guard let reference = byLanguage[defaultLanguage] else {
                throw ReferenceDataError(file: file, line: firstLine[template],
                                         message: "template \(template) has no text in the default language \(defaultLanguage)")
            }
            let known = Set(try placeholders(in: reference))
            for (language, text) in byLanguage {
                if let unknown = try placeholders(in: text).first(where: { !known.contains($0) }) {
                    throw ReferenceDataError(file: file, line: firstLine[template], message:
                        "template \(template) (\(language)) uses unknown placeholder {\(unknown)}, absent from its \(defaultLanguage) text")
                }
            }
        }
        return MessageTemplates(version: csv.version, defaultLanguage: defaultLanguage, texts: texts)
    }

    public var templateNames: [String] { texts.keys.sorted() }

    /// The text of `template` in `language`, or in the default language when it has none.
    public func text(of template: String, language: String) -> (text: String, language: String)? {
        guard let byLanguage = texts[template] else { return nil }
        if let text = byLanguage[language.lowercased()] { return (text, language.lowercased()) }
        return byLanguage[defaultLanguage].map { ($0, defaultLanguage) }
    }

    /// Renders a template with its parameters; `{state}`, `{category}`, … go through `<name>.<value>`.
    public func render(_ template: String, language: String, parameters: [String: String]) throws -> RenderedTemplate {
        guard let (source, used) = text(of: template, language: language) else {
            throw TemplateError(code: .unknownTemplate, message: "no template \(template)")
        }
        var output = ""
        var rest = Substring(source)
        while let open = rest.firstIndex(of: "{") {
            output += rest[..<open]
            let close = rest[open...].firstIndex(of: "}")!  // balanced: checked when parsed
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = parameters[name] else {
                throw TemplateError(code: .missingParameter, message: "template \(template) needs parameter \(name)")
            }
            if Self.labelledParameters.contains(name) {
                output += self.text(of: "\(name).\(value)", language: used)?.text ?? value.replacingOccurrences(of: "_", with: " ")
            } else {
                output += value
            }
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return RenderedTemplate(text: output, language: used)
    }

    static func isTemplateName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
        }
    }

    struct PlaceholderError: Error { var message: String }

    /// The parameter names a text uses, in order; throws on unbalanced or malformed braces.
    static func placeholders(in text: String) throws -> [String] {
        var names: [String] = []
        var current: String?
        for character in text {
            switch (character, current) {
            case ("{", nil): current = ""
            case ("{", _?): throw PlaceholderError(message: "nested {")
            case ("}", nil): throw PlaceholderError(message: "} without {")
            case ("}", let name?):
                guard let first = name.first, first.isLetter, name.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) else {
                    throw PlaceholderError(message: "placeholder {\(name)} must be lower_case")
                }
                names.append(name)
                current = nil
            case (_, let name?): current = name + String(character)
            default: break
            }
        }
        if current != nil { throw PlaceholderError(message: "{ without }") }
        return names
    }
}

public struct RenderedTemplate: Sendable, Equatable {
    public var text: String
    /// The language actually used, after falling back to the default.
    public var language: String
}

/// A template that cannot be rendered. No retry cures it: the notification fails with the reason.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }
        public static let unknownTemplate = Code("unknown_template")
        public static let missingParameter = Code("missing_parameter")
        public static let wrongAudience = Code("wrong_audience")
        public static let notLoaded = Code("not_loaded")
    }

    public var code: Code
    public var message: String
    public var description: String { "\(code): \(message)" }

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}
