import HotlineRuntime
import Testing

@Suite("Content types")
struct ContentTypeTests {
    @Test("the media type is matched before parameters, without spaces or tabs, ASCII case-insensitively", arguments: [
        ("application/x-www-form-urlencoded", true), ("Application/X-WWW-Form-URLEncoded; charset=UTF-8", true),
        (" \tapplication/x-www-form-urlencoded \t;charset=utf-8", true), ("application/x-www-form-urlencoded;", true),
        ("application/json", false), ("application/x-www-form-urlencodedx", false), ("", false), (";application/x-www-form-urlencoded", false),
        ("\u{00A0}application/x-www-form-urlencoded", false), ("application/x-www-form-urlencoded\u{00A0}", false),
        ("application/x-www-form-urlencoded", true), ("APPLİCATION/x-www-form-urlencoded", false), ("application /x-www-form-urlencoded", false),
    ])
    func mediaType(header: String, accepted: Bool) {
        #expect(StrictBody.mediaType(of: header, is: "application/x-www-form-urlencoded") == accepted)
    }
}
