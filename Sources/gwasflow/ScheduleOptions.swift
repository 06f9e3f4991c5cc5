import ArgumentParser
import Dependence

/// `--epochs`, `--initial-epochs`, `--round-epochs`, `--rounds`: the lengths of the training
/// schedules of `normalize` and `compare` (defaults: `ScheduleSettings`).
struct ScheduleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Epochs of a one-stage fit: the baseline flow (and in normalize each grid flow, and joint).", valueName: "N"))
    var epochs = ScheduleSettings().epochs

    @Option(help: ArgumentHelp("Alternating: epochs of stage 0.", valueName: "N"))
    var initialEpochs = ScheduleSettings().initialEpochs

    @Option(help: ArgumentHelp("Alternating: flow epochs per round.", valueName: "N"))
    var roundEpochs = ScheduleSettings().roundEpochs

    @Option(help: ArgumentHelp("Alternating: rounds of λ stage + flow stage.", valueName: "K"))
    var rounds = ScheduleSettings().rounds

    func validate() throws {
        if [epochs, initialEpochs, roundEpochs, rounds].contains(where: { $0 < 0 }) { throw ValidationError("epoch and round counts cannot be negative") }
    }

    /// The counts as (option, value), for a command that needs each of them at least 1.
    var counts: [(option: String, value: Int)] {
        [("--epochs", epochs), ("--initial-epochs", initialEpochs), ("--round-epochs", roundEpochs), ("--rounds", rounds)]
    }

    /// Sets the four lengths of `settings`.
    func apply(to settings: inout ScheduleSettings) {
        settings.epochs = epochs
        settings.initialEpochs = initialEpochs
        settings.roundEpochs = roundEpochs
        settings.rounds = rounds
    }
}
