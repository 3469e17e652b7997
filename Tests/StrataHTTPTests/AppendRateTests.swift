import StrataHTTP
import Synchronization
import Testing

/// The dashboard's write rate: events counted per whole second, averaged over the window, and
/// forgotten once they leave it.
@Suite struct AppendRateTests {
    @Test func averagesOverTheWindowAndForgetsWhatLeftIt() {
        let now = Mutex<Int64>(1_000)
        let rate = AppendRate(window: 4) { now.withLock { $0 } }
        #expect(rate.eventsPerSecond == 0)
        rate.record(events: 8)
        rate.record(events: 4)
        #expect(rate.eventsPerSecond == 3)
        now.withLock { $0 += 2 }
        rate.record(events: 4)
        #expect(rate.eventsPerSecond == 4)
        now.withLock { $0 += 2 }
        #expect(rate.eventsPerSecond == 1, "the first second's 12 events left the window")
        now.withLock { $0 += 10 }
        #expect(rate.eventsPerSecond == 0)
    }
}
