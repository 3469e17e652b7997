@testable import StrataLog
import Testing

/// The hardware CRC-32C (SSE 4.2, where the processor has it) and the table-driven one agree.
@Suite struct CRC32CTests {
    @Test func theKnownCheckValue() {
        let bytes = Array("123456789".utf8)
        #expect(bytes.withUnsafeBytes { CRC32C.checksum($0) } == 0xE306_9283)
        #expect(bytes.withUnsafeBytes { CRC32C.portableChecksum($0) } == 0xE306_9283)
    }

    @Test func bothAgreeOnEveryLengthAndContinuation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let split = length / 3
            bytes.withUnsafeBytes { buffer in
                let whole = CRC32C.checksum(buffer)
                #expect(whole == CRC32C.portableChecksum(buffer), "length \(length)")
                let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[..<split]))
                #expect(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[split...]), continuing: head) == whole)
                let portableHead = CRC32C.portableChecksum(UnsafeRawBufferPointer(rebasing: buffer[..<split]))
                #expect(CRC32C.portableChecksum(UnsafeRawBufferPointer(rebasing: buffer[split...]), continuing: portableHead) == whole)
            }
        }
    }
}
