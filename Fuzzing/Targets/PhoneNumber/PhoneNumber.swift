import HotlineParserProperties

/// libFuzzer entry point: a property violation is a crash, so libFuzzer keeps the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPhoneNumber(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let violations = ParserProperties.phoneNormalisation(bytes)
    if !violations.isEmpty { fatalError("ParserProperties.phoneNormalisation: " + violations.joined(separator: "; ")) }
    return 0
}
