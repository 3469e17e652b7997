// swift-tools-version:6.2
import PackageDescription

// Only for `make client`: the generator that writes Sources/StrataClient/Generated from
// docs/openapi.yaml. The generated code is committed, so neither CI nor a build needs this.
let package = Package(
    name: "StrataOpenAPIGenerator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
    ]
)
