import ArgumentParser
import Foundation
import SpikeCore

/// The Iris data set: features and class labels.
struct IrisData {
    var features: [[Double]]
    var labels: [Int]
    var classNames: [String]

    /// Parses scikit-learn's iris.csv: a header `150,4,name,name,name`, then rows of
    /// four numbers and a class index. Errors name the line.
    init(csv: String, source: String) throws {
        var lines = csv.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { throw CommandFailure("\(source): empty file") }
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        guard header.count >= 3, let featureCount = Int(header[1]) else {
            throw CommandFailure("\(source):1: expected a header like `150,4,setosa,versicolor,virginica`")
        }
        classNames = Array(header.dropFirst(2))
        features = []
        labels = []
        for (offset, line) in lines.enumerated() {
            let fields = line.split(separator: ",")
            let number = offset + 2
            guard fields.count == featureCount + 1 else {
                throw CommandFailure("\(source):\(number): expected \(featureCount + 1) fields, got \(fields.count)")
            }
            let values = fields.prefix(featureCount).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ $0?.isFinite == true }) else {
                throw CommandFailure("\(source):\(number): a feature is not a finite number: \(line)")
            }
            guard let label = Int(fields[featureCount].trimmingCharacters(in: .whitespaces)),
                classNames.indices.contains(label)
            else {
                throw CommandFailure("\(source):\(number): class must be 0..<\(classNames.count), got \(fields[featureCount])")
            }
            features.append(values.map { $0! })
            labels.append(label)
        }
    }

    static func load(path: String?) throws -> IrisData {
        guard let path else { return try IrisData(csv: embeddedIrisCSV, source: "embedded iris.csv") }
        return try IrisData(csv: String(decoding: try readInput(path), as: UTF8.self), source: path)
    }
}

struct IrisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iris",
        abstract: "Rate-coded SNN classification of the Iris data set, scored on held-out splits.",
        discussion: """
            Features are population-coded (Gaussian receptive fields) into Poisson spike \
            trains; one LIF output neuron per species is trained with a rate-based delta rule \
            on its own spike counts; the species is the neuron that fires most in a 300 ms \
            window. Each seed draws a new stratified split, new spike trains and a new \
            training order; the mean and spread over seeds is the figure to quote.
            """)

    @Option(help: "How many seeds (splits) to run (1 to 1000).")
    var seeds = 10

    @Option(help: "The first seed; seeds are first, first+1, ...")
    var firstSeed: UInt64 = 1

    @Option(help: "Fraction of each class held out for testing.")
    var testFraction = 0.3

    @Option(help: "Training epochs (1 to 10000; default: the classifier's).")
    var epochs: Int?

    @Option(help: "iris.csv in scikit-learn's layout (default: the embedded copy of fixtures/iris/iris.csv).")
    var data: String?

    func validate() throws {
        try OptionBounds.check("--seeds", seeds, in: 1...1000)
        guard firstSeed <= UInt64.max - UInt64(seeds) else {
            throw ValidationError("--first-seed must be at most \(UInt64.max - UInt64(seeds)) with --seeds \(seeds), got \(firstSeed)")
        }
        guard testFraction > 0 && testFraction < 1 else {
            throw ValidationError("--test-fraction must be a finite number in (0, 1), got \(OptionBounds.format(testFraction))")
        }
        try OptionBounds.check("--epochs", epochs, in: 1...OptionBounds.epochs)
    }

    func run() throws {
        let iris = try IrisData.load(path: data)
        print("seed  train  test  accuracy  synaptic-events/sample")
        var accuracies: [Double] = []
        for seed in firstSeed..<(firstSeed + UInt64(seeds)) {
            let (classifier, test, rng) = trainIris(iris, seed: seed, testFraction: testFraction, epochs: epochs)
            var generator = rng
            var correct = 0
            var events = 0
            for index in test {
                let response = classifier.predict(iris.features[index], using: &generator)
                if response.predicted == iris.labels[index] { correct += 1 }
                events += response.synapticEvents
            }
            let accuracy = Double(correct) / Double(test.count)
            accuracies.append(accuracy)
            print(String(format: "%4d  %5d  %4d  %8.3f  %10.0f", seed, iris.labels.count - test.count, test.count,
                         accuracy, Double(events) / Double(test.count)))
        }
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        let variance = accuracies.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(accuracies.count - 1, 1))
        print(String(format: "mean test accuracy %.3f, standard deviation %.3f, min %.3f, max %.3f over %d seeds",
                     mean, variance.squareRoot(), accuracies.min()!, accuracies.max()!, accuracies.count))
    }
}

/// Splits, trains and returns the classifier, the held-out indices and the generator to go on with.
func trainIris(_ iris: IrisData, seed: UInt64, testFraction: Double = 0.3, epochs: Int? = nil)
    -> (RateCodedClassifier, [Int], SeededGenerator)
{
    var generator = SeededGenerator(seed: seed)
    let split = stratifiedSplit(labels: iris.labels, testFraction: testFraction, using: &generator)
    var settings = RateCodedClassifier.Settings()
    if let epochs { settings.epochs = epochs }
    var classifier = RateCodedClassifier(
        featureCount: iris.features[0].count, classCount: iris.classNames.count, settings: settings)
    classifier.train(
        features: split.train.map { iris.features[$0] }, labels: split.train.map { iris.labels[$0] },
        using: &generator)
    return (classifier, split.test, generator)
}
