// swift-tools-version: 6.1
import Foundation
import PackageDescription

// Linux only (Debian 12 and alike): the daemon links libzmq and libsystemd and uses
// glibc. SwiftPM has no Linux platform entry, so none is declared.
let package = Package(
    name: "spikewatch",
    products: [
        .executable(name: "spikewatch", targets: ["spikewatch"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        // The Alertmanager forwarder's HTTP client (TLS with a custom CA, timeouts); only
        // the daemon module depends on these.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
    ],
    targets: [
        // MARK: - Pure core (no I/O, no wall clock)

        /// Event-driven LIF engine, encoders, network descriptions, readouts.
        .target(name: "SpikeCore", dependencies: ["StrictJSON"]),

        /// A strict RFC 8259 JSON parser with precise errors (no Foundation).
        .target(name: "StrictJSON"),

        /// The anomaly model built from SpikeCore: per-cell state, scores, alerts.
        .target(name: "Detection", dependencies: ["SpikeCore", "Telemetry"]),

        /// Wire and fixture formats: telemetry and alert JSON, CSV import.
        .target(name: "Telemetry", dependencies: ["StrictJSON"]),

        /// The synthetic small-cell telemetry generator (`spikewatch synth`).
        .target(name: "Scenarios", dependencies: ["Telemetry", "SpikeCore"]),

        /// Replay, event scoring and baseline detectors (`spikewatch evaluate`).
        .target(name: "Evaluation", dependencies: ["Telemetry", "Detection", "Scenarios", "StrictJSON"]),

        // MARK: - Adapters

        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        /// A thin typed wrapper over libzmq.
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),

        .systemLibrary(
            name: "CSystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        /// sd_notify, the watchdog interval and a journald-aware log handler.
        .target(
            name: "Systemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        /// The daemon: services, configuration, ingest -> detect -> publish.
        .target(
            name: "SpikewatchDaemon",
            dependencies: [
                "ZeroMQ", "Systemd", "Detection", "Telemetry",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        /// SVG figures (membrane traces), pure text formatting.
        .target(name: "Plot"),

        /// Workloads, baselines and the daemon harness for `spikewatch bench` (release builds only).
        .target(
            name: "Benchmarks",
            dependencies: [
                "SpikeCore", "Telemetry", "Detection", "Scenarios", "SpikewatchDaemon", "ZeroMQ", "Systemd",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - Executable

        .executableTarget(
            name: "spikewatch",
            dependencies: [
                "SpikeCore", "Detection", "Telemetry", "Scenarios", "Evaluation",
                "ZeroMQ", "Systemd", "SpikewatchDaemon", "Benchmarks", "Plot",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: - Tests

        /// Helpers the end-to-end tests share: the binary as a child process, a stand-in
        /// for systemd's notify socket, temporary endpoints, a running daemon with its peers.
        .target(name: "SpikewatchTestSupport", dependencies: ["ZeroMQ", "Telemetry"], path: "Tests/SpikewatchTestSupport"),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(
            name: "SystemdTests",
            dependencies: ["Systemd", "SpikewatchTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SpikeCoreTests", dependencies: ["SpikeCore"]),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "Telemetry", "SpikeCore"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Detection", "Telemetry", "Scenarios"]),
        .testTarget(
            name: "SpikewatchDaemonTests",
            dependencies: ["SpikewatchDaemon", "ZeroMQ", "Detection", "Telemetry", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["spikewatch", "SpikewatchTestSupport", "ZeroMQ", "Telemetry"]
        ),
    ]
)

// MARK: - Fuzzing (only with SPIKEWATCH_FUZZ set: it links libFuzzer's runtime, which
// `-sanitize=fuzzer` provides; see scripts/fuzz.sh)

if ProcessInfo.processInfo.environment["SPIKEWATCH_FUZZ"] != nil {
    package.products.append(.executable(name: "spikewatch-fuzz", targets: ["TelemetryFuzz"]))
    package.products.append(.executable(name: "spikewatch-fuzz-pipeline", targets: ["PipelineFuzz"]))
    package.targets += [
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "TelemetryFuzz", dependencies: ["CFuzzerDriver", "Telemetry", "StrictJSON"]),
        /// The whole pipeline (decode -> model -> alerts -> checkpoint), structure-aware.
        .executableTarget(name: "PipelineFuzz", dependencies: ["CFuzzerDriver", "Telemetry", "Detection"]),
    ]
}

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    // Require `any` for existential types.
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    target.swiftSettings = settings
}
