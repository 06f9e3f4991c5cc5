import Foundation

/// How a run shows progress on standard error.
public enum ProgressStyle: Sendable, Equatable {
    /// Nothing (`--quiet`, and library use such as tests).
    case silent
    /// A redrawn bar, for a terminal.
    case bar
    /// Plain periodic lines (`grm: 40% (2,000/5,000 SNPs) 3.1 s`), for log files and batch jobs.
    case lines

    /// The style for this process: silent when `quiet`, a bar when stderr is a terminal, lines otherwise.
    public static func automatic(quiet: Bool) -> ProgressStyle {
        if quiet { return .silent }
        return isatty(STDERR_FILENO) != 0 ? .bar : .lines
    }
}

/// Progress of one long step, shown on standard error.
///
/// Nothing is shown for a step that ends within `delay` seconds (2 s), so quick steps stay quiet;
/// after that the bar is redrawn at most every 0.2 s, and plain lines appear at most every 5 s.
/// `advance(by:)` and `update(completed:)` are cheap (a lock and a clock read) and may be called
/// from several threads, but call them per block of work rather than per element.
public final class StepProgress: @unchecked Sendable {
    /// The step's name, printed first.
    public let step: String
    /// The amount of work, when known.
    public let total: Int?
    /// What the work is counted in (`SNPs`, `epochs`, …), may be empty.
    public let unit: String

    private let style: ProgressStyle
    private let delay: Double
    private let interval: Double
    private let clock: () -> Double
    private let sink: (String) -> Void
    private let lock = NSLock()
    private let start: Double
    private var completed = 0
    private var lastShown: Double?
    private var finished = false

    /// A reporter for `step`, shown in `style`. `clock` (seconds) and `sink` (text for stderr) are
    /// replaceable so that tests can drive time and read what would be printed.
    init(step: String, total: Int?, unit: String, style: ProgressStyle, delay: Double = 2,
         clock: @escaping () -> Double = StepProgress.monotonicSeconds,
         sink: @escaping (String) -> Void = { fputs($0, stderr); fflush(stderr) })
    {
        self.step = step
        self.total = total
        self.unit = unit
        self.style = style
        self.delay = delay
        self.interval = style == .bar ? 0.2 : 5
        self.clock = clock
        self.sink = sink
        self.start = clock()
    }

    /// A reporter that shows nothing, for library callers that pass no context.
    public static func silent(step: String = "", total: Int? = nil) -> StepProgress {
        StepProgress(step: step, total: total, unit: "", style: .silent)
    }

    /// Seconds on a monotonic clock.
    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }

    /// Records `count` more units of work done.
    public func advance(by count: Int = 1) {
        guard style != .silent else { return }
        lock.lock(); defer { lock.unlock() }
        completed += count
        showIfDue()
    }

    /// Records that `completed` units of work are done in all.
    public func update(completed value: Int) {
        guard style != .silent else { return }
        lock.lock(); defer { lock.unlock() }
        completed = value
        showIfDue()
    }

    /// Ends the display: when anything was shown, a final line with the total and the time.
    func finish() {
        guard style != .silent else { return }
        lock.lock(); defer { lock.unlock() }
        guard !finished else { return }
        finished = true
        guard lastShown != nil else { return }
        let text = line(elapsed: clock() - start, done: true)
        sink(style == .bar ? "\r\u{1B}[K" + text + "\n" : text + "\n")
    }

    private func showIfDue() {
        guard !finished else { return }
        let now = clock()
        let elapsed = now - start
        guard elapsed >= delay else { return }
        if let last = lastShown, now - last < interval { return }
        lastShown = now
        switch style {
        case .silent: return
        case .lines: sink(line(elapsed: elapsed, done: false) + "\n")
        case .bar: sink("\r\u{1B}[K" + bar(elapsed: elapsed))
        }
    }

    private func counts(done: Bool) -> String {
        let unitText = unit.isEmpty ? "" : " " + unit
        guard let total else { return StepProgress.grouped(completed) + unitText }
        return "\(StepProgress.grouped(done ? total : completed))/\(StepProgress.grouped(total))\(unitText)"
    }

    private func percent(done: Bool) -> String? {
        guard let total, total > 0 else { return nil }
        let fraction = done ? 1 : min(1, Double(completed) / Double(total))
        return "\(Int((fraction * 100).rounded(.down)))%"
    }

    /// `step: 40% (2,000/5,000 SNPs) 3.1 s`
    private func line(elapsed: Double, done: Bool) -> String {
        let head = percent(done: done).map { "\($0) (\(counts(done: done)))" } ?? counts(done: done)
        return "\(step): \(head) \(RunLog.seconds(elapsed)) s"
    }

    /// `step [=========>          ]  40% 2,000/5,000 SNPs 3.1 s`
    private func bar(elapsed: Double) -> String {
        guard let total, total > 0 else { return line(elapsed: elapsed, done: false) }
        let width = 24
        let filled = min(width, Int(Double(width) * Double(completed) / Double(total)))
        let body = String(repeating: "=", count: filled) + (filled < width ? ">" : "")
            + String(repeating: " ", count: max(0, width - filled - 1))
        return "\(step) [\(body)] \(percent(done: false) ?? "") \(counts(done: false)) \(RunLog.seconds(elapsed)) s"
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }
}
