import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shop
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import StrataKit
import StrataLog
import StrataStore
import Testing

@Suite struct StoreFullTests {
    /// With a 2 MiB ceiling on the store, products with large descriptions fill it: appends that
    /// do not fit are 507 `store_full`, every acknowledged product stays readable, reads go on.
    @Test func aFullStoreAnswers507AndKeepsServingReads() async throws {
        let configuration = EventLogConfiguration(mapSize: 512 << 10, maximumMapSize: 2 << 20)
        try await APIFixture.run(store: .lmdb, configuration: configuration) { fixture, client in
            let description = String(repeating: "d", count: 2000)
            var acknowledged: [String] = []
            var full: TestResponse?
            for index in 0..<2000 where full == nil {
                let response = try await client.post(
                    "/v1/products",
                    #"{"sku":"SKU-\#(index)","name":"Product \#(index)","description":"\#(description)","priceCents":100,"stock":5}"#,
                    token: fixture.admin
                )
                if response.status == .created {
                    acknowledged.append(try decode(ProductBody.self, response).id)
                } else {
                    full = response
                }
            }
            let refused = try #require(full)
            #expect(refused.status.code == 507)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(try decode(Problem.self, refused).code == "store_full")
            #expect(acknowledged.count > 10)
            for id in acknowledged {
                let read = try await client.execute(uri: "/v1/products/\(id)", method: .get)
                #expect(read.status == .ok)
            }
            let listing = try await client.execute(uri: "/v1/products?limit=100", method: .get)
            #expect(listing.status == .ok)
            #expect(try fixture.log.verify().isClean)
        }
    }
}
