import ArgumentParser

/// `--out PREFIX`: where a command writes its files (`PREFIX.*`, `PREFIX.log`).
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Output prefix: files are written as PREFIX.* with a PREFIX.log (default: out in gwasflow.toml).",
                               valueName: "PREFIX"))
    var out: String?
}
