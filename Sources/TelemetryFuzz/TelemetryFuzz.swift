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
/// on what is valid JSON; the lexer they share must read every token of it sanely.
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
    lexEveryToken(bytes)
    _ = try? Alert(json: Array(bytes))
    var reader = FixtureReader()
    reader.read(Array(bytes), name: "fuzz") { _ in }
    return 0
}

/// The shared lexer alone, token after token whatever the grammar: each read moves
/// forward and stays in bounds, an error stands inside the input, and a number's value is
/// the standard library's reading of its text (the lexer's fast path has to agree).
func lexEveryToken(_ bytes: UnsafeRawBufferPointer) {
    var lexer = JSONLexer(bytes: bytes, maximumDepth: 32)
    while true {
        lexer.skipWhitespace()
        if lexer.isAtEnd { return }
        let start = lexer.index
        do throws(JSONLexError) {
            let kind = try lexer.valueKind()
            switch kind {
            case .object, .array: lexer.index += 1
            case .string: _ = try lexer.scanString()
            case .true, .false, .null: try lexer.scanLiteral(kind)
            case .number:
                let number = try lexer.scanNumber()
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<lexer.index]), as: UTF8.self)
                let expected = Double(text) ?? (text.hasPrefix("-") ? -.infinity : .infinity)
                guard number.start == start, number.double.bitPattern == expected.bitPattern else {
                    fatalError("the lexer read \(text) as \(number.double), not \(expected)")
                }
                if let integer = number.integer, Int64(text) != integer { fatalError("the lexer read \(text) as \(integer)") }
            }
            guard lexer.index > start, lexer.index <= bytes.count else { fatalError("the lexer did not move forward") }
        } catch {
            guard error.tokenStart == start, error.offset >= start, error.offset <= bytes.count else {
                fatalError("a lexer error outside the input: \(error)")
            }
            lexer.index = start + 1  // a punctuation byte or a bad token: step over one byte
        }
    }
}

@main
struct TelemetryFuzz {
    static func main() {
        exit(SpikewatchFuzzerMain(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzOne(data, size) })
    }
}
