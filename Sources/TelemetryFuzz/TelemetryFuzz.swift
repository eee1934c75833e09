// libFuzzer over the input decoders: every byte string must be decoded or rejected with a
// reason, never crash, hang or read out of bounds. Build and run (not part of the normal
// build; see scripts/fuzz.sh):
//   SPIKEWATCH_FUZZ=1 swift build --product spikewatch-fuzz --scratch-path .build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
//   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/spikewatch-fuzz fuzz/corpus -max_total_time=60
import CFuzzerDriver
import Foundation
import StrictJSON
import Telemetry

/// One input: the telemetry decoder (strict, with reason codes), the generic strict
/// JSON parser and the alert reader must each accept or refuse it cleanly, and agree
/// on what is valid JSON.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    var decoder = TelemetryDecoder()
    let decoded = Result { () throws(Rejection) in try decoder.decode(bytes) }
    let generic = Result { () throws(JSONSyntaxError) in try JSONParser(maximumDepth: 32).parse(bytes) }
    if case .failure(let rejection) = decoded, rejection.reason == .invalidJSON, case .success = generic {
        fatalError("the telemetry decoder refused valid JSON: \(rejection)")
    }
    if case .success(let sample) = decoded {
        guard case .success = generic else { fatalError("the telemetry decoder accepted invalid JSON") }
        // What was decoded re-encodes and decodes to the same sample.
        var again = TelemetryDecoder()
        let encoded = sample.json(names: decoder.metricNames)
        guard let back = try? again.decode(encoded), back.cell == sample.cell, back.sequence == sample.sequence,
            back.metrics.map(\.value) == sample.metrics.map(\.value)
        else { fatalError("a decoded sample did not round-trip") }
    }
    _ = try? Alert(json: Array(bytes))
    var reader = FixtureReader()
    reader.read(Array(bytes), name: "fuzz") { _ in }
    return 0
}

/// libFuzzer's runtime references this symbol even when driven by LLVMFuzzerRunDriver.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(data, size)
}

@main
struct TelemetryFuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = withUnsafeMutablePointer(to: &argv) { argvPointer in
            argvPointer.withMemoryRebound(to: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?.self, capacity: 1) {
                LLVMFuzzerRunDriver(&argc, $0) { data, size in fuzzOne(data, size) }
            }
        }
        exit(status)
    }
}
