extension StringProtocol {
    /// True when every scalar is white space or a line break: what trimming with Foundation's
    /// `.whitespacesAndNewlines` and testing for empty says (which counts the zero-width space
    /// too), without bridging through `NSString`: about 2 % of intake's CPU per webhook.
    package var isBlank: Bool {
        unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0 == "\u{200B}" }
    }
}
