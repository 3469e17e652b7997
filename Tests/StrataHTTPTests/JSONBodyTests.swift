import StrataHTTP
import Testing

/// Which `Content-Type`s a JSON body accepts.
@Suite struct JSONBodyTests {
    @Test func theMediaTypeIsApplicationJSONInAnyCaseWithAnyParameters() {
        for accepted in ["application/json", "Application/JSON", "application/json; charset=utf-8", " application/json ", "\tapplication/json;", "APPLICATION/JSON;x=y"] {
            #expect(JSONBody.isJSON(accepted), "\(accepted)")
        }
        for refused in ["", "application/jsonx", "application/json-patch+json", "text/json", "application/ json", "application/js", "json", "application\u{0F}json"] {
            #expect(!JSONBody.isJSON(refused), "\(refused)")
        }
    }
}
