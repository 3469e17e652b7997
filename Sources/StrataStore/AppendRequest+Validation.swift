extension AppendRequest {
    /// The longest stream id or event type name a store accepts, in UTF-8 bytes.
    public static let maximumNameLength = 255

    /// Checks the request before it is queued, so that nothing in the transaction can fail for a
    /// reason that belongs to the request alone. Returns its size in bytes. Every store calls it.
    package func validated() throws(EventStoreError) -> Int {
        guard !streams.isEmpty else { throw .invalidRequest("an append needs at least one stream") }
        var seen = Set<String>()
        var bytes = 0
        for stream in streams {
            try Self.validate(name: stream.streamId, as: "stream id")
            guard seen.insert(stream.streamId).inserted else {
                throw .invalidRequest("stream \(stream.streamId) appears twice in one append")
            }
            for event in stream.events {
                try Self.validate(name: event.type, as: "event type")
                guard event.data.count <= Int(UInt32.max), event.metadata.count <= Int(UInt32.max) else {
                    throw .invalidRequest("event data or metadata over 4 GiB")
                }
                bytes += event.data.count + event.metadata.count + 64
            }
        }
        return bytes
    }

    /// Checks a stream id or type name: 1–255 UTF-8 bytes, no NUL.
    package static func validate(name: String, as what: String) throws(EventStoreError) {
        let count = name.utf8.count
        guard count >= 1, count <= maximumNameLength else {
            throw .invalidRequest("\(what) must be 1–\(maximumNameLength) bytes, got \(count)")
        }
        guard !name.utf8.contains(0) else { throw .invalidRequest("\(what) must not contain NUL") }
    }
}
